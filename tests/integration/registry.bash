# A real registry for the images tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1,
# optionally with TLS (a CA made here with openssl) and htpasswd auth. Images are pushed with
# skopeo from OCI layouts made by mkimage.py. Everything lives in the directory given to
# reg_start; reg_stop kills the registry and waits for it.

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# reg_start DIR [tls] [auth]: a registry with its storage, config and log under DIR; sets
# REG_PORT, REG (127.0.0.1:PORT). tls: DIR/ca.crt signs its certificate, and DIR/certs.d is a
# certs.d tree holding it for REG. auth: user "berth", password "s3cret" (htpasswd, bcrypt).
reg_start() {
	local dir=$1 tls=${2:-} auth=${3:-} scheme=http
	mkdir -p "$dir/data"
	[ -n "${REG_PORT_FIXED:-}" ] && REG_PORT=$REG_PORT_FIXED || REG_PORT=$(free_port)
	REG=127.0.0.1:$REG_PORT
	{
		echo "version: 0.1"
		echo "log: {level: info, accesslog: {disabled: false}}"
		echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
		echo "http:"
		echo "  addr: $REG"
		if [ "$tls" = tls ]; then
			scheme=https
			if [ ! -f "$dir/srv.crt" ]; then
				openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
					-keyout "$dir/ca.key" -out "$dir/ca.crt" -days 2 \
					-subj /CN=berth-test-ca 2>/dev/null
				openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
					-keyout "$dir/srv.key" -out "$dir/srv.csr" -subj /CN=127.0.0.1 2>/dev/null
				printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/ext"
				openssl x509 -req -in "$dir/srv.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
					-CAcreateserial -out "$dir/srv.crt" -days 2 -extfile "$dir/ext" 2>/dev/null
			fi
			mkdir -p "$dir/certs.d/$REG"
			cp "$dir/ca.crt" "$dir/certs.d/$REG/ca.crt"
			echo "  tls: {certificate: $dir/srv.crt, key: $dir/srv.key}"
		fi
		if [ "$auth" = token ]; then
			# Anonymous bearer tokens from token-server.py, as Docker Hub gives them.
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
				-keyout "$dir/token.key" -out "$dir/token.crt" -days 2 -subj /CN=berth-token 2>/dev/null
			REG_TOKEN_PORT=$(free_port)
			python3 "$ITEST_DIR/token-server.py" "$dir/token.key" "$dir/token.crt" "$REG_TOKEN_PORT" \
				"$dir/token.log" </dev/null >>"$dir/log" 2>&1 3>&- &
			echo $! >"$dir/token.pid"
			echo "auth: {token: {realm: http://127.0.0.1:$REG_TOKEN_PORT/token, service: berth-registry,"
			echo "  issuer: berth-test-issuer, rootcertbundle: $dir/token.crt}}"
		fi
		if [ "$auth" = auth ]; then
			htpasswd -Bbn berth s3cret >"$dir/htpasswd"
			echo "auth: {htpasswd: {realm: berth-test, path: $dir/htpasswd}}"
		fi
	} >"$dir/config.yml"
	docker-registry serve "$dir/config.yml" </dev/null >>"$dir/log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	local i
	for i in $(seq 100); do
		curl -s -o /dev/null --cacert "$dir/ca.crt" "$scheme://$REG/v2/" 2>/dev/null && return 0
		curl -s -o /dev/null -k "$scheme://$REG/v2/" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "registry in $dir did not start:" >&2
	cat "$dir/log" >&2
	return 1
}

reg_stop() {
	local dir=$1 pid
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill -9 "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$dir/pid"
	if [ -f "$dir/token.pid" ]; then
		pid=$(cat "$dir/token.pid")
		kill -9 "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
		rm -f "$dir/token.pid"
	fi
}

# reg_push DIR_OR_LAYOUT NAME:TAG [skopeo args]: an OCI layout into the registry REG.
reg_push() {
	local layout=$1 ref=$2
	shift 2
	skopeo copy -q --dest-tls-verify=false "$@" "oci:$layout" "docker://$REG/$ref" >/dev/null
}
