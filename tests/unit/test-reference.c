/* images/reference.h: Docker's reference grammar and short-name rules; each accepted case
 * checks the canonical name the store indexes, each refused one the part of the message that
 * says why. */
#include <stdio.h>
#include <string.h>

#include "images/reference.h"
#include "lib/error.h"
#include "tests/unit/tap.h"

#define D "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void accepted(const char *s, const char *name, const char *registry, const char *path,
		     const char *tag)
{
	struct reference r;
	struct error e = {0};
	int rc = reference_parse(s, &r, &e);
	ok(rc == 0, "accepted: %s", s);
	if (rc < 0) {
		printf("#   %s\n", e.msg);
		return;
	}
	is_str(r.name, name, "  %s -> %s", s, name);
	is_str(r.registry, registry, "  registry %s", registry);
	is_str(r.path, path, "  path %s", path);
	is_str(r.tag, tag, "  tag %s", tag ? tag : "(none)");
	reference_free(&r);
}

static void refused(const char *s, const char *why)
{
	struct reference r;
	struct error e = {0};
	int rc = reference_parse(s, &r, &e);
	ok(rc < 0, "refused: \"%s\"", s);
	if (rc == 0) {
		printf("#   parsed as %s\n", r.name);
		reference_free(&r);
		return;
	}
	contains(e.msg, why, "  because: %s", why);
}

int main(void)
{
	/* Short names. */
	accepted("busybox", "docker.io/library/busybox:latest", "docker.io", "library/busybox",
		 "latest");
	accepted("busybox:1.36", "docker.io/library/busybox:1.36", "docker.io", "library/busybox",
		 "1.36");
	accepted("library/busybox", "docker.io/library/busybox:latest", "docker.io",
		 "library/busybox", "latest");
	accepted("user/app:v1", "docker.io/user/app:v1", "docker.io", "user/app", "v1");
	accepted("docker.io/busybox", "docker.io/library/busybox:latest", "docker.io",
		 "library/busybox", "latest");
	accepted("index.docker.io/busybox", "docker.io/library/busybox:latest", "docker.io",
		 "library/busybox", "latest");
	/* Registries: a '.', a ':' or localhost in the first component. */
	accepted("localhost/x", "localhost/x:latest", "localhost", "x", "latest");
	accepted("localhost:5000/x", "localhost:5000/x:latest", "localhost:5000", "x", "latest");
	accepted("127.0.0.1:5000/a/b:t", "127.0.0.1:5000/a/b:t", "127.0.0.1:5000", "a/b", "t");
	accepted("quay.io/coreos/etcd", "quay.io/coreos/etcd:latest", "quay.io", "coreos/etcd",
		 "latest");
	accepted("registry.example.com:443/a/b/c/d:1.0-rc_2",
		 "registry.example.com:443/a/b/c/d:1.0-rc_2", "registry.example.com:443", "a/b/c/d",
		 "1.0-rc_2");
	accepted("my-host:5000/x", "my-host:5000/x:latest", "my-host:5000", "x", "latest");
	accepted("[::1]:5000/x", "[::1]:5000/x:latest", "[::1]:5000", "x", "latest");
	/* An upper-case first component is a registry (host names are case-insensitive). */
	accepted("Registry/x", "Registry/x:latest", "Registry", "x", "latest");
	/* A ':' before any '/' with no '/' after it is a tag: Docker reads it so too. */
	accepted("localhost:5000", "docker.io/library/localhost:5000", "docker.io",
		 "library/localhost", "5000");
	/* Separators in path components. */
	accepted("docker.io/a.b_c__d-e---f/g", "docker.io/a.b_c__d-e---f/g:latest", "docker.io",
		 "a.b_c__d-e---f/g", "latest");
	accepted("a_b/c", "docker.io/a_b/c:latest", "docker.io", "a_b/c", "latest");
	/* Digests: no default tag; with both, both are kept and the name has the tag. */
	accepted("busybox@" D, "docker.io/library/busybox@" D, "docker.io", "library/busybox",
		 NULL);
	accepted("localhost:5000/x@" D, "localhost:5000/x@" D, "localhost:5000", "x", NULL);
	accepted("busybox:1@" D, "docker.io/library/busybox:1", "docker.io", "library/busybox",
		 "1");
	{
		struct reference r;
		struct error e;
		ok(reference_parse("x:1@" D, &r, &e) == 0 && strcmp(r.digest, D) == 0,
		   "tag and digest: the digest is kept");
		reference_free(&r);
		ok(reference_parse("x", &r, &e) == 0 && r.digest[0] == '\0',
		   "no digest: digest is empty");
		is_str(r.repo, "docker.io/library/x", "repo is REGISTRY/PATH");
		reference_free(&r);
	}
	/* Tags: 128 characters is the most. */
	char tag128[200] = "x:";
	memset(tag128 + 2, 'a', 128);
	tag128[130] = '\0';
	{
		struct reference r;
		struct error e;
		ok(reference_parse(tag128, &r, &e) == 0, "a 128-character tag");
		reference_free(&r);
	}
	tag128[130] = 'a';
	tag128[131] = '\0';
	refused(tag128, "at most 128");

	refused("", "empty");
	refused("Busybox", "must be lowercase");
	refused("docker.io/Library/busybox", "must be lowercase");
	refused("localhost:5000/X", "must be lowercase");
	refused("busybox:", "a tag is");
	refused("busybox:.x", "a tag is");
	refused("busybox:-x", "a tag is");
	refused("busybox:a/b", "registry"); /* "busybox:a" is a host:port */
	refused("a.b_c/x", "registry");
	refused("busybox:a b", "a tag is");
	refused(":latest", "empty path component");
	refused("a//b", "empty path component");
	refused("a/", "empty path component");
	refused("/a", "empty path component");
	refused("-a", "path component");
	refused("a-", "path component");
	refused("a_", "path component");
	refused("a___b", "path component");
	refused("a..b", "path component");
	refused("a.-b", "path component");
	refused("a b", "path component");
	refused("busybox@sha256:abc", "digest");
	refused("busybox@sha512:"
		"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff"
		"8318d2877eec2f63b931bd47417a81a538327af927da3e",
		"digest");
	refused("busybox@" D "x", "digest");
	refused("busybox@", "digest");
	refused("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "image ID");
	refused("-host.io/x", "registry");
	refused("host-.io/x", "registry");
	refused("host..io/x", "registry");
	refused("host.io:/x", "registry");
	refused("host.io:50a/x", "registry");
	refused("[::1/x", "registry");
	refused("h_st.io/x", "registry");
	char longname[300] = "a/";
	memset(longname + 2, 'b', 260);
	longname[262] = '\0';
	refused(longname, "longer than 255");

	is_str(reference_registry_host("docker.io"), "registry-1.docker.io",
	       "Docker Hub's API host");
	is_str(reference_registry_host("localhost:5000"), "localhost:5000",
	       "any other registry is its own host");
	return tap_done();
}
