/* Per-command help: `berth CMD --help`, `berth CMD -h` and `berth help CMD`, as runc answers them.
 * The texts list exactly the flags each command's getopt table accepts; the cli-help tests read
 * the tables in cli/cmd_*.c and fail when the two drift apart. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"

struct opt_help {
	const char *flags; /* "-b, --bundle DIR", or "    --keep" to line up with short ones */
	const char *text;
};

struct cmd_help {
	const char *name;
	const char *synopsis; /* after "usage: berth "; further forms on lines of their own */
	const char *about;
	const struct opt_help *opts; /* ends with {0}; --help is added to every command */
	const struct opt_help *more; /* NULL, or a second list (run: create's, then its own) */
};

static const struct opt_help create_opts[] = {
    {"-b, --bundle DIR", "the bundle directory (default: the current directory)"},
    {"    --console-socket PATH", "AF_UNIX socket that receives the terminal's master fd"},
    {"    --pid-file FILE", "write the container's init pid to FILE"},
    {"    --no-pivot", "chroot instead of pivot_root (for a rootfs on a ramdisk)"},
    {"    --no-new-keyring", "keep the caller's session keyring"},
    {"    --preserve-fds N", "pass N more fds (3 to 3+N-1) to the container"},
    {"    --config FILE", "config file to use instead of BUNDLE/config.json (crun's)"},
    {0},
};

static const struct cmd_help helps[] = {
    {"create", "create [options] ID", "Create a container: its process waits for `berth start ID`.",
     create_opts},
    {"start", "start [options] ID", "Start the process of a created container.",
     (const struct opt_help[]){{0}}},
    {"run", "run [options] ID", "Create and start a container, and wait for it to exit.",
     create_opts,
     (const struct opt_help[]){
	 {"-d, --detach", "exit once the container runs; do not wait for it"},
	 {"    --keep", "do not delete the container after it exits"},
	 {"    --no-subreaper", "accepted as runc's (berth run is never a subreaper)"},
	 {0}}},
    {"exec", "exec [options] ID COMMAND [ARGS...]\n       berth exec [options] -p process.json ID",
     "Run another process in a running container.",
     (const struct opt_help[]){
	 {"-p, --process FILE", "the process as OCI process JSON, instead of COMMAND"},
	 {"-t, --tty", "give the process a terminal"},
	 {"-d, --detach", "do not wait for the process"},
	 {"-e, --env NAME=VALUE", "set an environment variable (repeatable)"},
	 {"-u, --user UID[:GID]", "run as this user and group"},
	 {"-c, --cap CAP", "add a capability (repeatable)"},
	 {"-g, --additional-gids GID", "add a supplementary group (repeatable)"},
	 {"    --console-socket PATH", "AF_UNIX socket that receives the terminal's master fd"},
	 {"    --cwd DIR", "working directory in the container"},
	 {"    --pid-file FILE", "write the process's pid to FILE"},
	 {"    --no-new-privs", "set no_new_privs for the process"},
	 {"    --preserve-fds N", "pass N more fds (3 to 3+N-1) to the process"},
	 {"    --cgroup PATH", "run in this sub-cgroup of the container's cgroup"},
	 {"    --ignore-paused", "exec even when the container is paused"},
	 {"    --process-label LABEL", "SELinux label of the process (refused without SELinux)"},
	 {"    --apparmor PROFILE", "AppArmor profile of the process (refused without AppArmor)"},
	 {0}}},
    {"state", "state [options] ID", "Print the state of a container as JSON.",
     (const struct opt_help[]){{0}}},
    {"kill", "kill [options] ID [SIGNAL]",
     "Send a signal (a number or a name, default TERM; 0: only check that init is alive) to a "
     "container's init.",
     (const struct opt_help[]){
	 {"-a, --all", "send it to every process of the container"},
	 {"-r, --regex",
	  "ID is a POSIX extended regex: signal every container it matches (crun's)"},
	 {0}}},
    {"delete", "delete [options] ID", "Delete a container and everything it holds.",
     (const struct opt_help[]){
	 {"-f, --force", "kill a running container first; a missing one is not an error"},
	 {"-r, --regex",
	  "ID is a POSIX extended regex: delete every container it matches (crun's)"},
	 {0}}},
    {"list", "list [options]", "List the containers under --root.",
     (const struct opt_help[]){{"-q, --quiet", "print only the IDs"},
			       {"-f, --format table|json", "output format (default: table)"},
			       {0}}},
    {"ps", "ps [options] ID [PS_OPTIONS...]",
     "List the processes of a container (PS_OPTIONS go to ps(1) for the table).",
     (const struct opt_help[]){{"-f, --format table|json", "output format (default: table)"}, {0}}},
    {"pause", "pause [options] ID", "Freeze every process of a container.",
     (const struct opt_help[]){{0}}},
    {"resume", "resume [options] ID", "Thaw a paused container.", (const struct opt_help[]){{0}}},
    {"update", "update [options] ID",
     "Change the resource limits of a running container (SIZE: 512k, 32M, 1g; -1: unlimited).",
     (const struct opt_help[]){
	 {"-r, --resources FILE",
	  "the OCI linux.resources JSON (\"-\": stdin); replaces the flags"},
	 {"    --blkio-weight N", "block I/O weight (10..1000)"},
	 {"    --cpu-period N", "CPU CFS period, in microseconds"},
	 {"    --cpu-quota N", "CPU CFS quota per period, in microseconds (-1: none)"},
	 {"    --cpu-burst N", "CPU burst, in microseconds"},
	 {"    --cpu-share N", "CPU shares (relative weight)"},
	 {"    --cpu-rt-period N", "realtime period, in microseconds"},
	 {"    --cpu-rt-runtime N", "realtime runtime per period, in microseconds"},
	 {"    --cpuset-cpus LIST", "CPUs the container may use (0-3,5)"},
	 {"    --cpuset-mems LIST", "memory nodes the container may use"},
	 {"    --kernel-memory SIZE", "kernel memory limit (cgroup v1)"},
	 {"    --kernel-memory-tcp SIZE", "kernel TCP buffer limit (cgroup v1)"},
	 {"    --memory SIZE", "memory limit"},
	 {"    --memory-reservation SIZE", "memory soft limit"},
	 {"    --memory-swap SIZE", "memory+swap limit"},
	 {"    --pids-limit N", "most tasks at once (-1: unlimited)"},
	 {"    --l3-cache-schema SCHEMA", "Intel RDT L3 schema (not available on this host)"},
	 {"    --mem-bw-schema SCHEMA", "Intel RDT memory bandwidth (not available on this host)"},
	 {0}}},
    {"events", "events [options] ID", "Stream stats and OOM events of a container as JSON lines.",
     (const struct opt_help[]){
	 {"    --stats", "print the stats once and exit"},
	 {"    --interval DURATION", "time between stats (5s, 500ms, 1m; default 5s)"},
	 {0}}},
    {"spec", "spec [options]", "Write a default config.json into the bundle.",
     (const struct opt_help[]){
	 {"-b, --bundle DIR", "where to write config.json (default: the current directory)"},
	 {"    --rootless", "a config for a container run by an unprivileged user"},
	 {0}}},
    {"features", "features [options]", "Print the features this runtime supports, as JSON.",
     (const struct opt_help[]){{0}}},
    {"box", "box [options] IMAGE [CMD [ARG...]] | --host|--rootfs DIR -- CMD [ARG...]",
     "Run an image's command (like docker run), or a job on the host (or in a directory), in a "
     "cgroup with limits, and report its usage. Exits with the command's status; for an IMAGE, "
     "125 when berth fails, 126 when the command cannot be run, 127 when it is not found.",
     (const struct opt_help[]){
	 {"    --host", "run on the host's filesystem"},
	 {"    --rootfs DIR", "run with DIR as the root filesystem (as root)"},
	 {"    --pull POLICY",
	  "IMAGE: missing (default: pull when not in the store), always, never"},
	 {"    --entrypoint CMD", "IMAGE: replace its Entrypoint (and drop its Cmd); \"\": none"},
	 {"-w, --workdir DIR", "IMAGE: the working directory (default: the image's)"},
	 {"    --hostname NAME", "IMAGE: the box's host name (default: its name)"},
	 {"    --read-only", "IMAGE: mount the box's root read-only"},
	 {"    --env-file FILE", "add the K=V lines of FILE to the environment"},
	 {"    --name NAME", "the box's container id (default: box-PID-START); must be free"},
	 {"    --keep", "keep the stopped box until berth delete NAME"},
	 {"    --rm", "remove the box when it exits (the default)"},
	 {"-m, --memory SIZE", "memory limit (512M, 2G)"},
	 {"    --memory-swap SIZE", "memory+swap limit (default: --memory; -1: unlimited)"},
	 {"    --cpus N", "CPU time, in cores (0.5, 1.5)"},
	 {"    --pids-limit N", "most tasks at once"},
	 {"    --device-read-bps DEV:RATE", "read rate limit of a device (/dev/sda:10M)"},
	 {"    --device-write-bps DEV:RATE", "write rate limit of a device (/dev/sda:10M)"},
	 {"    --io-weight N", "I/O weight, 10..1000"},
	 {"    --timeout DURATION", "kill the whole job after it (30s, 2m, 1h); exit 124"},
	 {"-u, --user USER[:GROUP]", "run as this user (default: the caller, or the image's)"},
	 {"-e, --env K=V", "set an environment variable (repeatable)"},
	 {"    --env-clear", "start from an empty environment"},
	 {"    --cgroup-parent PATH", "put the job's cgroup under PATH (default /berth-box)"},
	 {"    --share-pid", "no PID namespace of its own (leftovers are still killed)"},
	 {"    --report FILE", "write the report as JSON to FILE instead of stderr"},
	 {"-q, --quiet", "no report on stderr"},
	 {0}}},
    {"image", "image SUBCOMMAND [options] [ARG...]",
     "Manage the image store (--store DIR, $BERTH_STORE, else " RUNTIME_STORE_DEFAULT
     "). Subcommands:\n"
     "  import PATH [NAME]   import an OCI layout (directory or tar) or a docker/podman save "
     "archive\n"
     "  export NAME FILE     write an image as an OCI layout tar (podman load, skopeo "
     "oci-archive:)\n"
     "  ls                   list images (also: berth images)\n"
     "  inspect NAME...      print images' manifest digest, config and layers as JSON\n"
     "  rm NAME...           remove images (also: berth rmi)\n"
     "  prune                remove blobs and layers no image or container uses\n"
     "  fsck                 verify every blob and image of the store\n"
     "  bundle NAME DIR      write a bundle that runs the image (berth run -b DIR ID)\n"
     "  mount NAME DIR       mount the image read-only at DIR, until image umount DIR",
     (const struct opt_help[]){{0}}},
    {"image import", "image import [options] PATH [NAME]",
     "Import an OCI image layout (a directory or a tar, plain or compressed) or a docker save / "
     "podman save archive, tagged with NAME or the names it carries.",
     (const struct opt_help[]){
	 {"    --platform OS/ARCH[/VARIANT]",
	  "the platform to pick from an index (default: this host's)"},
	 {"    --max-layer-size SIZE", "refuse a layer whose files add up to more (512M, 2G)"},
	 {"-q, --quiet", "print only the manifest digests"},
	 {0}}},
    {"image export", "image export NAME FILE",
     "Write an image as an OCI layout tar, which podman load and skopeo (oci-archive:FILE) read.",
     (const struct opt_help[]){{0}}},
    {"image ls", "image ls [options]",
     "List the images of the store: name, tag, digest, size, created.",
     (const struct opt_help[]){
	 {"    --format table|json", "the output format"},
	 {"-q, --quiet", "print only the digests (12 hex digits), one per image"},
	 {0}}},
    {"images", "images [options]",
     "List the images of the store: name, tag, digest, size, created.",
     (const struct opt_help[]){
	 {"    --format table|json", "the output format"},
	 {"-q, --quiet", "print only the digests (12 hex digits), one per image"},
	 {0}}},
    {"image inspect", "image inspect NAME...",
     "Print the images as JSON: manifest digest, media type, config, layers, size.",
     (const struct opt_help[]){{0}}},
    {"image rm", "image rm [options] NAME...",
     "Remove images: untag NAME, then remove the blobs and layers nothing else uses. An image a "
     "container uses is refused.",
     (const struct opt_help[]){{"-f, --force", "remove every name of an image given by digest"},
			       {0}}},
    {"rmi", "rmi [options] NAME...",
     "Remove images: untag NAME, then remove the blobs and layers nothing else uses. An image a "
     "container uses is refused.",
     (const struct opt_help[]){{"-f, --force", "remove every name of an image given by digest"},
			       {0}}},
    {"image prune", "image prune [options]",
     "Remove the blobs and layers that no image name and no container uses, and a crash's debris.",
     (const struct opt_help[]){{"-f, --force", "accepted as podman's (berth never asks)"}, {0}}},
    {"image fsck", "image fsck [options]",
     "Verify the store: every blob's digest, every image's manifest, config and unpacked layers. "
     "Exits 1 when a problem is found.",
     (const struct opt_help[]){{"    --repair", "remove corrupt blobs"}, {0}}},
    {"image bundle", "image bundle NAME DIR",
     "Write DIR/config.json for the image NAME and an empty DIR/rootfs: `berth run -b DIR ID` "
     "runs\n"
     "the image on an overlay of its layers, made at create inside the container's mount\n"
     "namespace (DIR/rootfs stays empty on the host) and removed with the container.",
     (const struct opt_help[]){{0}}},
    {"image mount", "image mount NAME DIR",
     "Mount the image NAME read-only at DIR on the host, to look at its files, until `berth image\n"
     "umount DIR`. Its layers are kept while it is mounted.",
     (const struct opt_help[]){{0}}},
    {"image umount", "image umount DIR",
     "Unmount what `berth image mount` mounted at DIR, and forget it.",
     (const struct opt_help[]){{0}}},
    {"checkpoint", "checkpoint [options] ID",
     "Not supported: berth has no checkpoint/restore (it needs CRIU, which cannot checkpoint "
     "containers on this host). runc's options are accepted, then the command fails.",
     (const struct opt_help[]){
	 {"    --image-path DIR", "where CRIU would save its image files"},
	 {"    --work-path DIR", "where CRIU would save its work files and logs"},
	 {"    --parent-path DIR", "previous CRIU image files (pre-dump)"},
	 {"    --leave-running", "leave the process running after checkpointing"},
	 {"    --tcp-established", "allow open TCP connections"},
	 {"    --ext-unix-sk", "allow external unix sockets"},
	 {"    --shell-job", "allow shell jobs"},
	 {"    --lazy-pages", "use userfaultfd to restore memory pages lazily"},
	 {"    --status-fd FD", "CRIU writes \\0 to FD once lazy-pages is ready"},
	 {"    --page-server ADDRESS:PORT", "the page server"},
	 {"    --file-locks", "handle file locks"},
	 {"    --pre-dump", "dump the memory only, leave the container running"},
	 {"    --manage-cgroups-mode MODE", "cgroups mode: soft, full or strict"},
	 {"    --empty-ns NS", "create a namespace, but do not restore its properties"},
	 {"    --auto-dedup", "deduplicate memory images"},
	 {0}}},
    {"restore", "restore [options] ID",
     "Not supported: berth has no checkpoint/restore (it needs CRIU, which cannot checkpoint "
     "containers on this host). runc's options are accepted, then the command fails.",
     (const struct opt_help[]){
	 {"    --console-socket PATH",
	  "AF_UNIX socket that would receive the terminal's master fd"},
	 {"    --image-path DIR", "the CRIU image files to restore from"},
	 {"    --work-path DIR", "where CRIU would save its work files and logs"},
	 {"    --tcp-established", "allow open TCP connections"},
	 {"    --ext-unix-sk", "allow external unix sockets"},
	 {"    --shell-job", "allow shell jobs"},
	 {"    --file-locks", "handle file locks"},
	 {"    --manage-cgroups-mode MODE", "cgroups mode: soft, full or strict"},
	 {"-b, --bundle DIR", "the bundle directory"},
	 {"-d, --detach", "do not wait for the container"},
	 {"    --pid-file FILE", "write the container's init pid to FILE"},
	 {"    --no-subreaper", "do not act as a subreaper"},
	 {"    --no-pivot", "chroot instead of pivot_root"},
	 {"    --empty-ns NS", "create a namespace, but do not restore its properties"},
	 {"    --auto-dedup", "deduplicate memory images"},
	 {"    --lazy-pages", "use userfaultfd to restore memory pages lazily"},
	 {"    --lsm-profile TYPE:NAME", "the LSM profile to restore with"},
	 {"    --lsm-mount-context CONTEXT", "the LSM mount context to restore with"},
	 {0}}},
    {"pull", "pull [options] IMAGE",
     "Pull an image (NAME[:TAG] or NAME@sha256:DIGEST; Docker's short names) from its registry "
     "into the store, and print its manifest digest.",
     (const struct opt_help[]){
	 {"    --platform OS/ARCH", "from an index, the image for this platform (linux/arm64/v8)"},
	 {"    --tls-verify true|false",
	  "false: do not verify TLS, and allow plain HTTP (default true; HTTP is allowed for "
	  "localhost)"},
	 {"    --max-layer-size SIZE", "refuse a layer whose files add up to more (512M, 2G)"},
	 {"-q, --quiet", "no progress display"},
	 {0}}},
    {"login", "login [options] REGISTRY",
     "Check credentials against a registry and save them in Docker's config.json "
     "($DOCKER_CONFIG, else ~/.docker).",
     (const struct opt_help[]){
	 {"-u, --username USER", "the user name"},
	 {"    --password-stdin", "read the password from stdin (else ask on the terminal)"},
	 {"    --tls-verify true|false", "false: do not verify TLS, and allow plain HTTP"},
	 {0}}},
    {"logout", "logout [options] REGISTRY", "Remove the saved credentials of a registry.",
     (const struct opt_help[]){{0}}},
    {"help", "help [options] [COMMAND]",
     "Print the commands, or the usage and options of one command.",
     (const struct opt_help[]){{0}}},
};

static const struct opt_help help_opt = {"-h, --help", "print this help"};
static const struct opt_help help_none[] = {{0}};

static const struct cmd_help *find_help(const char *name)
{
	for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
		if (strcmp(helps[i].name, name) == 0)
			return &helps[i];
	return NULL;
}

_Noreturn void help_exit(const char *name)
{
	const struct cmd_help *h = find_help(name);
	if (h == NULL) {
		fprintf(stderr, "berth: no help for \"%s\"\n", name);
		exit(1);
	}
	const struct opt_help *lists[] = {h->opts, h->more ? h->more : help_none};
	int width = (int)strlen(help_opt.flags);
	for (size_t i = 0; i < 2; i++)
		for (const struct opt_help *o = lists[i]; o->flags; o++)
			if ((int)strlen(o->flags) > width)
				width = (int)strlen(o->flags);
	printf("usage: berth %s\n\n%s\n\nOptions:\n", h->synopsis, h->about);
	for (size_t i = 0; i < 2; i++)
		for (const struct opt_help *o = lists[i]; o->flags; o++)
			printf("  %-*s  %s\n", width, o->flags, o->text);
	printf("  %-*s  %s\n", width, help_opt.flags, help_opt.text);
	exit(0);
}

int cmd_help(const struct globals *g, int argc, char **argv, struct error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	(void)g;
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c != 'h')
			return error_set(err, EINVAL, "help: unknown option \"%s\"",
					 argv[optind - 1]);
		help_exit("help");
	}
	if (expect_args(argc, argv, 1, "help [COMMAND]", err) < 0)
		return -1;
	if (find_help(argv[optind]) == NULL)
		return error_set(err, EINVAL, "help: unknown command \"%s\" (see berth --help)",
				 argv[optind]);
	help_exit(argv[optind]);
}
