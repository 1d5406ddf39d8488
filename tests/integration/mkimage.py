#!/usr/bin/env python3
"""mkimage.py: builds OCI image layouts and docker-save archives for berth's tests.

Usage:
    mkimage.py [--format FMT] [--ref NAME] [--summary FILE] SPEC OUT

SPEC is a JSON file, "-" for stdin, or the JSON text itself (starting with "{"). OUT is the
directory (--format oci) or the tar file (every other format) to write; it must not exist.
The default --ref applies to images that do not name one. Prints a JSON summary on stdout
(or into --summary FILE): {"index": DIGEST or null, "images": [{"ref", "manifests": [{"digest",
"platform", "config", "layers": [DIGEST...], "diff_ids": [DIGEST...]}]}]}.

Formats:
    oci         an OCI image layout directory (oci-layout, index.json, blobs/sha256/HEX)
    oci-tar     the same as a tar (what `skopeo copy ... oci-archive:` writes)
    docker      a legacy `docker save` archive: manifest.json, repositories, CONFIGHEX.json,
                ID/layer.tar (+ ID/json, ID/VERSION); layers uncompressed unless a layer asks;
                a layer already written is a symlink ../FIRSTID/layer.tar, as docker writes it
    docker-oci  a Docker 25+ `docker save` archive: an OCI layout plus manifest.json and
                repositories naming blobs/sha256/HEX

SPEC (every key optional):
{
  "ref": "name:tag",                 org.opencontainers.image.ref.name / RepoTags
  "platform": "linux/amd64",         default: this host's (os/arch[/variant])
  "platforms": ["linux/amd64", "linux/arm64"],
                                     an index with one manifest per platform; each gets one extra
                                     top layer holding the file /platform with the platform text
  "index": "nested" | "flat",        platforms: index.json -> an index blob -> manifests (nested,
                                     the default, as skopeo writes) or manifests in index.json (flat)
  "created": "2024-01-02T03:04:05Z",
  "config": {"Entrypoint": [...], "Cmd": [...], "Env": [...], "WorkingDir": "/", "User": "0:0",
             "ExposedPorts": {"80/tcp": {}}, "Volumes": {"/data": {}}, "StopSignal": "SIGTERM",
             "Labels": {...}},      copied as the image config's "config"
  "layers": [LAYER...],
  "images": [SPEC...]                several images in one layout / archive (each a SPEC above)
}
LAYER:
{
  "compression": "gzip" | "zstd" | "none",   default gzip (oci*), none (docker)
  "dir": "/path",                   the tree of a directory (owners, modes, devices, hard links)
  "entries": [ENTRY...],            after "dir", in order, names exactly as given (no cleaning:
                                    "../x", "/abs" and names through symlinks are written raw)
  "repeat": N                       the layer N times; "{i}" in entry paths/contents -> 0..N-1
}
ENTRY: {"type": T, "path": "a/b", ...} with T one of
  file      "content" (text) | "content_hex" | "size" (that many zero bytes, streamed: tar bombs)
  dir
  symlink   "target"
  hardlink  "target" (a name in the archive)
  char, block  "major", "minor"
  fifo
  whiteout  writes DIR/.wh.NAME for path DIR/NAME
  opaque    writes PATH/.wh..wh..opq for the directory path
and, for any type: "mode" (int or octal string "4755"), "uid", "gid", "uname", "gname", "mtime",
"xattrs": {"user.k": "text", "security.capability": "hex:0100000200..."} (values "hex:..."
are bytes), "caps": "hex:..." (shorthand for security.capability).
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import platform as pyplatform
import shutil
import subprocess
import sys
import tarfile
import tempfile

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}
REF_ANNOTATION = "org.opencontainers.image.ref.name"
DEFAULT_MTIME = 1700000000
CHUNK = 1 << 20


def host_platform():
    m = pyplatform.machine()
    arch = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386",
            "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}.get(m, m)
    return "linux/" + arch


def split_platform(p):
    parts = p.split("/")
    d = {"os": parts[0], "architecture": parts[1]}
    if len(parts) > 2:
        d["variant"] = parts[2]
    return d


def parse_mode(v, default):
    if v is None:
        return default
    if isinstance(v, str):
        return int(v, 8)
    return int(v)


def xattr_value(v):
    if v.startswith("hex:"):
        b = bytes.fromhex(v[4:])
    else:
        b = v.encode()
    # tarfile writes str PAX values; surrogateescape carries arbitrary bytes (hdrcharset=BINARY).
    return b.decode("utf-8", "surrogateescape")


class Zeros(io.RawIOBase):
    def __init__(self, n):
        self.n = n

    def readable(self):
        return True

    def readinto(self, b):
        k = min(len(b), self.n)
        b[:k] = bytes(k)
        self.n -= k
        return k


def subst(v, i):
    if isinstance(v, str) and i is not None:
        return v.replace("{i}", str(i))
    return v


def add_entry(tf, e, i):
    t = e.get("type", "file")
    path = subst(e["path"], i)
    if t == "whiteout":
        d, _, base = path.rstrip("/").rpartition("/")
        path = (d + "/" if d else "") + ".wh." + base
        t = "file"
    elif t == "opaque":
        path = path.rstrip("/") + "/.wh..wh..opq"
        t = "file"
    ti = tarfile.TarInfo(path)
    ti.mtime = e.get("mtime", DEFAULT_MTIME)
    ti.uid = e.get("uid", 0)
    ti.gid = e.get("gid", 0)
    ti.uname = e.get("uname", "")
    ti.gname = e.get("gname", "")
    data = None
    if t == "file":
        ti.type = tarfile.REGTYPE
        ti.mode = parse_mode(e.get("mode"), 0o644)
        if "size" in e:
            ti.size = int(e["size"])
            data = Zeros(ti.size)
        else:
            if "content_hex" in e:
                b = bytes.fromhex(e["content_hex"])
            else:
                b = subst(e.get("content", ""), i).encode()
            ti.size = len(b)
            data = io.BytesIO(b)
    elif t == "dir":
        ti.type = tarfile.DIRTYPE
        ti.mode = parse_mode(e.get("mode"), 0o755)
    elif t == "symlink":
        ti.type = tarfile.SYMTYPE
        ti.mode = parse_mode(e.get("mode"), 0o777)
        ti.linkname = subst(e["target"], i)
    elif t == "hardlink":
        ti.type = tarfile.LNKTYPE
        ti.mode = parse_mode(e.get("mode"), 0o644)
        ti.linkname = subst(e["target"], i)
    elif t in ("char", "block"):
        ti.type = tarfile.CHRTYPE if t == "char" else tarfile.BLKTYPE
        ti.mode = parse_mode(e.get("mode"), 0o666)
        ti.devmajor = e.get("major", 0)
        ti.devminor = e.get("minor", 0)
    elif t == "fifo":
        ti.type = tarfile.FIFOTYPE
        ti.mode = parse_mode(e.get("mode"), 0o644)
    else:
        raise SystemExit("mkimage: unknown entry type %r" % t)
    xattrs = dict(e.get("xattrs", {}))
    if "caps" in e:
        xattrs["security.capability"] = e["caps"]
    for k, v in xattrs.items():
        ti.pax_headers["SCHILY.xattr." + k] = xattr_value(v)
    tf.addfile(ti, data)


def write_layer_tar(layer, i, out):
    """Writes the uncompressed layer tar into the binary file out."""
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tf:
        if "dir" in layer:
            root = layer["dir"]
            names = []
            for d, dirs, files in os.walk(root):
                dirs.sort()
                for n in sorted(dirs + files):
                    names.append(os.path.join(d, n))
            for full in names:
                arc = os.path.relpath(full, root)
                ti = tf.gettarinfo(full, arcname=arc)
                if ti.isreg():
                    with open(full, "rb") as f:
                        tf.addfile(ti, f)
                else:
                    tf.addfile(ti)
        for e in layer.get("entries", []):
            add_entry(tf, e, i)


class Blobs:
    """Blobs written once into DIR/blobs/sha256/HEX."""

    def __init__(self, root):
        self.dir = os.path.join(root, "blobs", "sha256")
        os.makedirs(self.dir, exist_ok=True)

    def put(self, data):
        h = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.dir, h), "wb") as f:
            f.write(data)
        return "sha256:" + h, len(data)

    def put_file(self, path):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while True:
                b = f.read(CHUNK)
                if not b:
                    break
                h.update(b)
        dst = os.path.join(self.dir, h.hexdigest())
        shutil.move(path, dst)
        return "sha256:" + h.hexdigest(), os.path.getsize(dst)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            h.update(b)
    return "sha256:" + h.hexdigest()


def build_layer(blobs, tmp, layer, i, default_comp):
    """Returns (blob digest, size, media type, diff_id, path of the uncompressed tar)."""
    comp = layer.get("compression", default_comp)
    raw = tempfile.NamedTemporaryFile(dir=tmp, delete=False, suffix=".tar")
    with raw:
        write_layer_tar(layer, i, raw)
    diff_id = sha256_file(raw.name)
    if comp == "none":
        blob_path = raw.name + ".blob"
        shutil.copyfile(raw.name, blob_path)
    elif comp == "gzip":
        blob_path = raw.name + ".gz"
        with open(raw.name, "rb") as src, open(blob_path, "wb") as dst:
            with gzip.GzipFile(filename="", fileobj=dst, mode="wb", mtime=0) as gz:
                shutil.copyfileobj(src, gz, CHUNK)
    elif comp == "zstd":
        blob_path = raw.name + ".zst"
        subprocess.run(["zstd", "-q", "-f", "-o", blob_path, raw.name], check=True)
    else:
        raise SystemExit("mkimage: unknown compression %r" % comp)
    digest, size = blobs.put_file(blob_path)
    return digest, size, MT_LAYER[comp], diff_id, raw.name


def expand_layers(spec):
    out = []
    for layer in spec.get("layers", []):
        n = layer.get("repeat")
        if n is None:
            out.append((layer, None))
        else:
            out.extend((layer, i) for i in range(int(n)))
    return out


def build_image(blobs, tmp, spec, default_ref, default_comp):
    """Builds every platform's manifest of one image; returns its summary and descriptors."""
    ref = spec.get("ref", default_ref)
    plats = spec.get("platforms")
    multi = plats is not None
    if not multi:
        plats = [spec.get("platform", host_platform())]
    base = [build_layer(blobs, tmp, l, i, default_comp) for l, i in expand_layers(spec)]
    manifests = []
    for p in plats:
        layers = list(base)
        if multi:
            layers.append(build_layer(blobs, tmp, {
                "compression": default_comp if default_comp != "none" else "none",
                "entries": [{"type": "file", "path": "platform", "content": p + "\n"}]},
                None, default_comp))
        pd = split_platform(p)
        config = {
            "created": spec.get("created", "2024-01-02T03:04:05Z"),
            "architecture": pd["architecture"],
            "os": pd["os"],
            "config": spec.get("config", {}),
            "rootfs": {"type": "layers", "diff_ids": [l[3] for l in layers]},
            "history": [{"created": spec.get("created", "2024-01-02T03:04:05Z"),
                         "created_by": "mkimage.py"} for _ in layers],
        }
        if "variant" in pd:
            config["variant"] = pd["variant"]
        cdigest, csize = blobs.put(json.dumps(config, sort_keys=True).encode())
        manifest = {
            "schemaVersion": 2,
            "mediaType": MT_MANIFEST,
            "config": {"mediaType": MT_CONFIG, "digest": cdigest, "size": csize},
            "layers": [{"mediaType": l[2], "digest": l[0], "size": l[1]} for l in layers],
        }
        mdigest, msize = blobs.put(json.dumps(manifest, sort_keys=True).encode())
        manifests.append({
            "desc": {"mediaType": MT_MANIFEST, "digest": mdigest, "size": msize,
                     "platform": pd},
            "summary": {"digest": mdigest, "platform": p, "config": cdigest,
                        "layers": [l[0] for l in layers], "diff_ids": [l[3] for l in layers]},
            "config_digest": cdigest,
            "tars": [l[4] for l in layers],
            "diff_ids": [l[3] for l in layers],
        })
    return ref, multi, manifests


def ref_desc(desc, ref):
    d = dict(desc)
    if ref:
        d["annotations"] = {REF_ANNOTATION: ref}
    return d


def write_oci(root, images, index_mode):
    blobs = Blobs(root)
    entries = []
    for ref, multi, manifests in images:
        if multi and index_mode == "nested":
            idx = {"schemaVersion": 2, "mediaType": MT_INDEX,
                   "manifests": [m["desc"] for m in manifests]}
            digest, size = blobs.put(json.dumps(idx, sort_keys=True).encode())
            entries.append(ref_desc({"mediaType": MT_INDEX, "digest": digest, "size": size}, ref))
        else:
            for m in manifests:
                d = m["desc"] if multi else {k: v for k, v in m["desc"].items() if k != "platform"}
                entries.append(ref_desc(d, ref))
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": entries}
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f)
    if len(entries) == 1 and entries[0]["mediaType"] == MT_INDEX:
        return entries[0]["digest"]
    return None


def repo_tag(ref):
    if not ref:
        return None
    name, tag = ref, "latest"
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        name, tag = ref[:colon], ref[colon + 1:]
    return name, tag


def write_docker_legacy(root, images):
    manifest, repos, written = [], {}, {}
    for ref, _, manifests in images:
        for m in manifests:
            chex = m["config_digest"].split(":")[1]
            src = os.path.join(root, "blobs", "sha256", chex)
            shutil.copyfile(src, os.path.join(root, chex + ".json"))
            layer_paths, parent = [], ""
            for n, (tar, diff_id) in enumerate(zip(m["tars"], m["diff_ids"])):
                lid = hashlib.sha256((parent + diff_id).encode()).hexdigest()
                os.makedirs(os.path.join(root, lid), exist_ok=True)
                blob = os.path.join(root, "blobs", "sha256",
                                    m["summary"]["layers"][n].split(":")[1])
                # A layer asked for as "none" is the tar itself; a compressed one stays
                # compressed (docker load accepts both).
                if blob in written:
                    os.symlink("../%s/layer.tar" % written[blob],
                               os.path.join(root, lid, "layer.tar"))
                else:
                    shutil.copyfile(blob, os.path.join(root, lid, "layer.tar"))
                    written[blob] = lid
                with open(os.path.join(root, lid, "VERSION"), "w") as f:
                    f.write("1.0")
                with open(os.path.join(root, lid, "json"), "w") as f:
                    j = {"id": lid}
                    if parent:
                        j["parent"] = parent
                    json.dump(j, f)
                layer_paths.append(lid + "/layer.tar")
                parent = lid
            tags = []
            if ref:
                name, tag = repo_tag(ref)
                tags.append(name + ":" + tag)
                repos.setdefault(name, {})[tag] = parent
            manifest.append({"Config": chex + ".json", "RepoTags": tags or None,
                             "Layers": layer_paths})
    shutil.rmtree(os.path.join(root, "blobs"))
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    with open(os.path.join(root, "repositories"), "w") as f:
        json.dump(repos, f)


def write_docker_oci(root, images):
    write_oci(root, images, "flat")
    manifest, repos = [], {}
    for ref, _, manifests in images:
        for m in manifests:
            tags = []
            layers = ["blobs/sha256/" + d.split(":")[1] for d in m["summary"]["layers"]]
            if ref:
                name, tag = repo_tag(ref)
                tags.append(name + ":" + tag)
                repos.setdefault(name, {})[tag] = layers[-1].split("/")[-1] if layers else ""
            manifest.append({"Config": "blobs/sha256/" + m["config_digest"].split(":")[1],
                             "RepoTags": tags or None, "Layers": layers})
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    with open(os.path.join(root, "repositories"), "w") as f:
        json.dump(repos, f)


def tar_dir(src, out):
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
        for name in sorted(os.listdir(src)):
            tf.add(os.path.join(src, name), arcname=name, filter=lambda ti: reset_owner(ti))


def reset_owner(ti):
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti


def load_spec(s):
    if s == "-":
        return json.load(sys.stdin)
    if s.lstrip().startswith("{"):
        return json.loads(s)
    with open(s) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description="Builds OCI layouts and docker-save archives.")
    ap.add_argument("--format", default="oci", choices=["oci", "oci-tar", "docker", "docker-oci"])
    ap.add_argument("--ref", default=None)
    ap.add_argument("--summary", default=None)
    ap.add_argument("spec")
    ap.add_argument("out")
    a = ap.parse_args()
    spec = load_spec(a.spec)
    if os.path.lexists(a.out):
        raise SystemExit("mkimage: %s exists" % a.out)
    specs = spec["images"] if "images" in spec else [spec]
    docker = a.format in ("docker", "docker-oci")
    default_comp = "none" if docker else "gzip"
    parent = os.path.dirname(os.path.abspath(a.out))
    tmp = tempfile.mkdtemp(prefix=".mkimage.", dir=parent)
    try:
        root = a.out if a.format == "oci" else os.path.join(tmp, "root")
        os.makedirs(root)
        blobs = Blobs(root)
        images = [build_image(blobs, tmp, s, s.get("ref", a.ref), default_comp) for s in specs]
        index_mode = spec.get("index", specs[0].get("index", "nested"))
        index_digest = None
        if a.format in ("oci", "oci-tar"):
            index_digest = write_oci(root, images, index_mode)
        elif a.format == "docker":
            write_docker_legacy(root, images)
        else:
            write_docker_oci(root, images)
        if a.format != "oci":
            tar_dir(root, a.out)
    finally:
        shutil.rmtree(tmp)
    summary = {"index": index_digest,
               "images": [{"ref": ref, "manifests": [m["summary"] for m in ms]}
                          for ref, _, ms in images]}
    text = json.dumps(summary, indent=1)
    if a.summary:
        with open(a.summary, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
