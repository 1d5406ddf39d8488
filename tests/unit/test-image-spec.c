/* images/image_spec.h: an image config into a runtime spec, with Docker's rules for Entrypoint
 * and Cmd, Env, WorkingDir and User, and annotations for what the runtime spec has no field for. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "images/image_spec.h"
#include "lib/error.h"
#include "tests/unit/tap.h"

static const char *PASSWD = "root:x:0:0:root:/root:/bin/sh\n"
			    "# a comment\n"
			    "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
			    "web:x:1000:1001:web server:/home/web:/bin/sh\n";
static const char *GROUP = "root:x:0:\n"
			   "daemon:x:1:\n"
			   "webgrp:x:1001:\n"
			   "audio:x:29:web,daemon\n"
			   "video:x:44:daemon\n";

static json_t *base(void)
{
	/* What `berth spec` starts a process with. */
	return json_pack("{s:{s:b,s:{s:i,s:i},s:[s],s:[s,s],s:s},s:{}}", "process", "terminal", 0,
			 "user", "uid", 0, "gid", 0, "args", "sh", "env", "PATH=/bin", "TERM=xterm",
			 "cwd", "/", "annotations");
}

static char *dump(json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
		 : strdup("(null)");
}

/* Applies config (JSON text) with ov; returns process (as compact JSON) or the error. */
static char *apply(const char *config, const struct image_spec_overrides *ov, json_t **spec_out,
		   struct error *e)
{
	json_t *spec = base();
	json_t *cfg = config ? json_loads(config, 0, NULL) : NULL;
	struct image_ids ids = {PASSWD, GROUP};
	int r = image_spec_apply(spec, cfg, ov, &ids, e);
	json_decref(cfg);
	char *s = r < 0 ? NULL : dump(json_object_get(spec, "process"));
	if (spec_out)
		*spec_out = spec;
	else
		json_decref(spec);
	return s;
}

static char *member(const char *config, const struct image_spec_overrides *ov, const char *key)
{
	struct error e;
	json_t *spec;
	char *p = apply(config, ov, &spec, &e);
	free(p);
	char *s = dump(json_object_get(json_object_get(spec, "process"), key));
	json_decref(spec);
	return s;
}

int main(void)
{
	struct error e = {0};
	char *s;

	s = member("{\"Entrypoint\":[\"/bin/app\",\"-v\"],\"Cmd\":[\"serve\"]}", NULL, "args");
	is_str(s, "[\"/bin/app\",\"-v\",\"serve\"]", "Entrypoint then Cmd");
	free(s);
	char *argv[] = {"run", "x", NULL};
	struct image_spec_overrides ov = {.argv = argv};
	s = member("{\"Entrypoint\":[\"/bin/app\"],\"Cmd\":[\"serve\"]}", &ov, "args");
	is_str(s, "[\"/bin/app\",\"run\",\"x\"]",
	       "the caller's argv replaces Cmd, after Entrypoint");
	free(s);
	s = member("{\"Cmd\":[\"sh\",\"-c\",\"echo\"]}", NULL, "args");
	is_str(s, "[\"sh\",\"-c\",\"echo\"]", "Cmd alone");
	free(s);
	s = member("{\"Cmd\":[\"sh\"]}", &ov, "args");
	is_str(s, "[\"run\",\"x\"]", "argv alone replaces Cmd");
	free(s);
	s = apply("{\"Entrypoint\":null,\"Cmd\":null}", NULL, NULL, &e);
	ok(s == NULL, "no Entrypoint, no Cmd, no argv: refused");
	contains(e.msg, "no command", "  and the error says so");
	s = apply("{\"Cmd\":\"sh\"}", NULL, NULL, &e);
	ok(s == NULL, "a Cmd that is not an array is refused");
	contains(e.msg, "image config: Cmd", "  naming the key");

	s = member("{\"Cmd\":[\"sh\"],\"Env\":[\"A=1\",\"PATH=/opt/bin\"]}", NULL, "env");
	is_str(s, "[\"A=1\",\"PATH=/opt/bin\",\"HOME=/root\"]",
	       "the image's Env kept, its PATH kept, HOME from root's passwd entry");
	free(s);
	char *env[] = {"A=2", "B=3", NULL};
	struct image_spec_overrides ove = {.env = env};
	s = member("{\"Cmd\":[\"sh\"],\"Env\":[\"A=1\",\"C=4\"]}", &ove, "env");
	is_str(s,
	       "[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"A=2\","
	       "\"C=4\",\"HOME=/root\",\"B=3\"]",
	       "no PATH: Docker's default; the caller's A replaces the image's, B is added");
	free(s);

	s = member("{\"Cmd\":[\"sh\"],\"WorkingDir\":\"/srv\"}", NULL, "cwd");
	is_str(s, "\"/srv\"", "WorkingDir");
	free(s);
	s = member("{\"Cmd\":[\"sh\"],\"WorkingDir\":\"\"}", NULL, "cwd");
	is_str(s, "\"/\"", "an empty WorkingDir is /");
	free(s);
	s = apply("{\"Cmd\":[\"sh\"],\"WorkingDir\":\"srv\"}", NULL, NULL, &e);
	ok(s == NULL, "a relative WorkingDir is refused");

	s = member("{\"Cmd\":[\"sh\"]}", NULL, "user");
	is_str(s, "{\"gid\":0,\"uid\":0}", "no User: root");
	free(s);
	s = member("{\"Cmd\":[\"sh\"],\"User\":\"web\"}", NULL, "user");
	is_str(s, "{\"additionalGids\":[29],\"gid\":1001,\"uid\":1000}",
	       "a user name: its uid, its passwd gid, the groups that list it");
	free(s);
	s = member("{\"Cmd\":[\"sh\"],\"User\":\"web\"}", NULL, "env");
	contains(s, "HOME=/home/web", "  and its home as HOME");
	free(s);
	s = member("{\"Cmd\":[\"sh\"],\"User\":\"1000:44\"}", NULL, "user");
	is_str(s, "{\"gid\":44,\"uid\":1000}", "uid:gid as numbers, no other groups");
	free(s);
	s = member("{\"Cmd\":[\"sh\"],\"User\":\"daemon:video\"}", NULL, "user");
	is_str(s, "{\"gid\":44,\"uid\":1}", "name:group through passwd and group");
	free(s);
	s = member("{\"Cmd\":[\"sh\"],\"User\":\"4242\"}", NULL, "user");
	is_str(s, "{\"gid\":0,\"uid\":4242}", "a uid without a passwd entry: gid 0");
	free(s);
	s = apply("{\"Cmd\":[\"sh\"],\"User\":\"nobody\"}", NULL, NULL, &e);
	ok(s == NULL, "an unknown user name is refused");
	contains(e.msg, "no user \"nobody\" in the image's /etc/passwd", "  naming it");
	s = apply("{\"Cmd\":[\"sh\"],\"User\":\"web:nogroup\"}", NULL, NULL, &e);
	ok(s == NULL, "an unknown group name is refused");
	struct image_spec_overrides ovu = {.user = "1:1"};
	s = member("{\"Cmd\":[\"sh\"],\"User\":\"web\"}", &ovu, "user");
	is_str(s, "{\"gid\":1,\"uid\":1}", "the caller's user replaces the image's");
	free(s);

	json_t *spec;
	free(apply("{\"Cmd\":[\"sh\"],\"StopSignal\":\"SIGQUIT\",\"ExposedPorts\":{\"80/tcp\":{},"
		   "\"53/udp\":{}},\"Volumes\":{\"/data\":{}},\"Labels\":{\"a.b\":\"c\"}}",
		   NULL, &spec, &e));
	s = dump(json_object_get(spec, "annotations"));
	is_str(s,
	       "{\"a.b\":\"c\",\"org.berth.image.volumes\":\"/data\","
	       "\"org.opencontainers.image.exposedPorts\":\"80/tcp,53/udp\","
	       "\"org.opencontainers.image.stopSignal\":\"SIGQUIT\"}",
	       "StopSignal, ExposedPorts, Volumes and Labels as annotations");
	free(s);
	json_decref(spec);

	s = apply(NULL, &ov, NULL, &e);
	ok(s != NULL, "an image without a config runs the caller's argv");
	free(s);
	return tap_done();
}
