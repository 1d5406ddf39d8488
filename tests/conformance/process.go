// Process and filesystem programs: process, paths and their relatives.

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/specerror"
)

func progProcess(t *tap) {
	id := newID("process")
	script := `{ hostname; pwd; echo "$CONF_VAR"; id -u; id -g; id -G; ulimit -n; ulimit -Hn; ` +
		`grep -E '^(NoNewPrivs|CapEff|CapBnd):' /proc/self/status; } > /tmp/out 2>&1`
	b := newBundle(id, "sh", "-c", script)
	b.g.SetHostname("conf-host")
	b.g.SetProcessCwd("/home/user")
	b.g.AddProcessEnv("CONF_VAR", "value with spaces")
	b.g.SetProcessUID(1000)
	b.g.SetProcessGID(1000)
	b.g.AddProcessAdditionalGid(2000)
	b.g.AddProcessRlimits("RLIMIT_NOFILE", 1022, 1021)
	b.g.SetProcessNoNewPrivileges(true)
	if !runToEnd(t, b, id) {
		return
	}
	lines := strings.Split(readFile(b.file("tmp/out")), "\n")
	get := func(i int) string {
		if i < len(lines) {
			return lines[i]
		}
		return ""
	}
	all := readFile(b.file("tmp/out"))
	t.ok(get(0) == "conf-host", 0, "hostname is set", all)
	t.ok(get(1) == "/home/user", 0, "cwd is set", all)
	t.ok(get(2) == "value with spaces", 0, "env is set", all)
	t.ok(get(3) == "1000", 0, "uid is set", all)
	t.ok(get(4) == "1000", 0, "gid is set", all)
	t.ok(get(5) == "1000 2000", 0, "additionalGids are set", all)
	t.ok(get(6) == "1021", 0, "RLIMIT_NOFILE soft is set", all)
	t.ok(get(7) == "1022", 0, "RLIMIT_NOFILE hard is set", all)
	t.ok(strings.Contains(all, "NoNewPrivs:\t1"), 0, "noNewPrivileges is set", all)
	caps := b.g.Config.Process.Capabilities
	t.ok(strings.Contains(all, fmt.Sprintf("CapBnd:\t%016x", capMask(caps.Bounding))), 0,
		"the bounding set is the configured one", all, fmt.Sprintf("want %016x", capMask(caps.Bounding)))
	// After execve a non-root process keeps only its ambient set as effective capabilities.
	t.ok(strings.Contains(all, fmt.Sprintf("CapEff:\t%016x", capMask(caps.Ambient))), 0,
		"the effective set of a non-root process is the configured ambient set", all,
		fmt.Sprintf("want %016x", capMask(caps.Ambient)))
}

func capMask(names []string) uint64 {
	var m uint64
	for _, c := range names {
		if n, ok := capNumbers[c]; ok {
			m |= 1 << n
		}
	}
	return m
}

var capNumbers = map[string]uint{"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3,
	"CAP_FSETID": 4, "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_LINUX_IMMUTABLE": 9,
	"CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11, "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_IPC_LOCK": 14,
	"CAP_IPC_OWNER": 15, "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17, "CAP_SYS_CHROOT": 18, "CAP_SYS_PTRACE": 19,
	"CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21, "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23, "CAP_SYS_RESOURCE": 24,
	"CAP_SYS_TIME": 25, "CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27, "CAP_LEASE": 28, "CAP_AUDIT_WRITE": 29,
	"CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31, "CAP_MAC_OVERRIDE": 32, "CAP_MAC_ADMIN": 33, "CAP_SYSLOG": 34,
	"CAP_WAKE_ALARM": 35, "CAP_BLOCK_SUSPEND": 36, "CAP_AUDIT_READ": 37, "CAP_PERFMON": 38, "CAP_BPF": 39,
	"CAP_CHECKPOINT_RESTORE": 40}

func progPaths(t *tap) {
	id := newID("paths")
	script := `{ ls -A /masked-dir | wc -l; cat /masked-file | wc -c; touch /ro-dir/x && echo writable || echo readonly; ` +
		`touch /rw && echo rootwritable; } > /out 2>/dev/null`
	b := newBundle(id, "sh", "-c", script)
	os.MkdirAll(b.file("masked-dir"), 0o755)
	os.WriteFile(b.file("masked-dir/secret"), []byte("x"), 0o644)
	os.WriteFile(b.file("masked-file"), []byte("secret"), 0o644)
	os.MkdirAll(b.file("ro-dir"), 0o755)
	b.g.AddLinuxMaskedPaths("/masked-dir")
	b.g.AddLinuxMaskedPaths("/masked-file")
	b.g.AddLinuxReadonlyPaths("/ro-dir")
	if !runToEnd(t, b, id) {
		return
	}
	got := strings.Fields(readFile(b.file("out")))
	all := readFile(b.file("out"))
	t.ok(len(got) > 0 && got[0] == "0", 0, "a masked directory is empty", all)
	t.ok(len(got) > 1 && got[1] == "0", 0, "a masked file is empty", all)
	t.ok(len(got) > 2 && got[2] == "readonly", 0, "a readonly path is read-only", all)
	t.ok(len(got) > 3 && got[3] == "rootwritable", 0, "the rest of the rootfs stays writable", all)
	t.ok(readFile(b.file("masked-file")) == "secret", 0, "masking leaves the file on the host untouched")
}

// statusField returns the value of a "Name:\tvalue" line of a /proc/PID/status dump.
func statusField(status, name string) string {
	for _, l := range strings.Split(status, "\n") {
		if strings.HasPrefix(l, name+":") {
			return strings.Join(strings.Fields(strings.TrimPrefix(l, name+":")), " ")
		}
	}
	return ""
}

func progProcessUser(t *tap) {
	id := newID("process-user")
	b := newBundle(id, "sh", "-c", "cat /proc/self/status > /tmp/status")
	b.g.SetProcessUID(1001)
	b.g.SetProcessGID(1002)
	b.g.AddProcessAdditionalGid(2001)
	b.g.AddProcessAdditionalGid(2002)
	if !runToEnd(t, b, id) {
		return
	}
	st := readFile(b.file("tmp/status"))
	t.ok(statusField(st, "Uid") == "1001 1001 1001 1001", 0, "user.uid is the real, effective, saved and fs uid", st)
	t.ok(statusField(st, "Gid") == "1002 1002 1002 1002", 0, "user.gid is the real, effective, saved and fs gid", st)
	t.ok(statusField(st, "Groups") == "2001 2002", 0, "user.additionalGids are the supplementary groups (and only they)", st)
}

func progOomScoreAdj(t *tap) {
	id := newID("oom-score-adj")
	b := newBundle(id, "sh", "-c", "cat /proc/self/oom_score_adj > /tmp/out")
	b.g.SetProcessOOMScoreAdj(527)
	if runToEnd(t, b, id) {
		got := strings.TrimSpace(readFile(b.file("tmp/out")))
		t.ok(got == "527", specerror.LinuxProcOomScoreAdjSet, "oomScoreAdj is written to the process's oom_score_adj", got)
	}
	id = newID("oom-score-adj")
	b = newBundle(id, "sh", "-c", "cat /proc/self/oom_score_adj > /tmp/out")
	mine := strings.TrimSpace(readFile("/proc/self/oom_score_adj"))
	if runToEnd(t, b, id) {
		got := strings.TrimSpace(readFile(b.file("tmp/out")))
		t.ok(got == mine, specerror.LinuxProcOomScoreAdjNotSet, "without oomScoreAdj the process keeps the runtime's value", got+" vs "+mine)
	}
}

// rootMountOpts gives the mount options of "/" from a mountinfo dump (field 6) and its optional fields.
func rootMount(mountinfo string) (opts, optional string) {
	for _, l := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(l)
		if len(f) > 6 && f[4] == "/" {
			sep := 6
			for sep < len(f) && f[sep] != "-" {
				sep++
			}
			opts, optional = f[5], strings.Join(f[6:sep], " ")
		}
	}
	return opts, optional
}

func progRootReadonly(t *tap, ro bool) {
	id := newID("root-readonly")
	b := newBundle(id, "sh", "-c", "cat /proc/self/mountinfo > /dev/shm/mi; touch /written 2>/dev/null; cat /dev/shm/mi")
	b.g.SetRootReadonly(ro)
	if !runToEnd(t, b, id) {
		return
	}
	mi := readFile(filepath.Join(b.dir, "create.log"))
	opts, _ := rootMount(mi)
	hasRO := strings.HasPrefix(opts, "ro")
	if ro {
		t.ok(hasRO, specerror.RootReadonlyImplement, "root.readonly true: / is mounted ro", mi)
		t.ok(!exists(b.file("written")), specerror.RootReadonlyImplement, "root.readonly true: writing to / fails")
	} else {
		t.ok(!hasRO && opts != "", specerror.RootReadonlyImplement, "root.readonly false: / is mounted rw", mi)
		t.ok(exists(b.file("written")), specerror.RootReadonlyImplement, "root.readonly false: writing to / works")
	}
}

func progRootReadonlyTrue(t *tap)  { progRootReadonly(t, true) }
func progRootReadonlyFalse(t *tap) { progRootReadonly(t, false) }

// mountLine gives the mountinfo line whose mount point is dest.
func mountLine(mountinfo, dest string) string {
	for _, l := range strings.Split(mountinfo, "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == dest {
			return l
		}
	}
	return ""
}

func progMounts(t *tap) {
	id := newID("mounts")
	script := `{ cat /proc/self/mountinfo; echo ==; stat -c '%a' /mnt/tmp; cat /mnt/bind/host-file; ` +
		`touch /mnt/bind/new 2>/dev/null && echo bind-writable; touch /mnt/tmp/new && echo tmp-writable; ` +
		`cat /mnt/rw/host-file; echo inside > /mnt/rw/from-container; } > /out 2>&1`
	b := newBundle(id, "sh", "-c", script)
	host := filepath.Join(b.dir, "host-dir")
	os.MkdirAll(host, 0o755)
	os.WriteFile(filepath.Join(host, "host-file"), []byte("from host\n"), 0o644)
	b.g.AddMount(rspec.Mount{Destination: "/mnt/tmp", Type: "tmpfs", Source: "tmpfs",
		Options: []string{"nosuid", "nodev", "noexec", "mode=750", "size=1m"}})
	b.g.AddMount(rspec.Mount{Destination: "/mnt/bind", Type: "bind", Source: host, Options: []string{"bind", "ro"}})
	b.g.AddMount(rspec.Mount{Destination: "/mnt/rw", Type: "none", Source: host, Options: []string{"rbind", "rw"}})
	if !runToEnd(t, b, id) {
		return
	}
	all := readFile(b.file("out"))
	parts := strings.SplitN(all, "==\n", 2)
	mi, rest := parts[0], ""
	if len(parts) > 1 {
		rest = parts[1]
	}
	tl := mountLine(mi, "/mnt/tmp")
	t.ok(strings.Contains(tl, " - tmpfs "), 0, "a tmpfs mount is made at its destination", tl)
	tf := strings.Fields(tl)
	t.ok(len(tf) > 5 && strings.Contains(tf[5], "nosuid") && strings.Contains(tf[5], "nodev") && strings.Contains(tf[5], "noexec"),
		0, "the tmpfs has the nosuid, nodev and noexec flags", tl)
	t.ok(strings.Contains(tl, "size=1024k"), 0, "the tmpfs gets its data options (size)", tl)
	t.ok(strings.HasPrefix(rest, "750\n"), 0, "the tmpfs gets its data options (mode)", rest)
	bl := mountLine(mi, "/mnt/bind")
	bf := strings.Fields(bl)
	t.ok(strings.Contains(rest, "from host\n") && bl != "", 0, "a bind mount shows the host directory", rest, bl)
	t.ok(len(bf) > 5 && strings.HasPrefix(bf[5], "ro") && !strings.Contains(rest, "bind-writable"), 0,
		"a ro bind mount is read-only", rest, bl)
	t.ok(strings.Contains(rest, "tmp-writable"), 0, "the tmpfs is writable", rest)
	t.ok(readFile(filepath.Join(host, "from-container")) == "inside\n", 0, "a rw rbind mount (type none) writes through to the host", rest)
	// Mounts are made in order: a later mount under an earlier one's destination is inside it.
	id2 := newID("mounts")
	b2 := newBundle(id2, "sh", "-c", "cat /mnt/a/b/host-file > /out 2>&1")
	b2.g.AddMount(rspec.Mount{Destination: "/mnt/a", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid"}})
	b2.g.AddMount(rspec.Mount{Destination: "/mnt/a/b", Type: "bind", Source: host, Options: []string{"bind"}})
	if runToEnd(t, b2, id2) {
		t.ok(readFile(b2.file("out")) == "from host\n", specerror.MountsInOrder, "mounts are made in order (a bind under a tmpfs)", readFile(b2.file("out")))
	}
}

func progRootfsPropagation(t *tap) {
	// The bundle's rootfs is made a shared mount of its own (in this program's private mount
	// namespace, see run), so that a slave root has a master to show.
	for _, c := range []struct{ prop, want string }{{"shared", "shared:"}, {"rshared", "shared:"}, {"slave", "master:"},
		{"rslave", "master:"}, {"private", ""}, {"rprivate", ""}} {
		id := newID("rootfs-propagation")
		b := newBundle(id, "sh", "-c", "cat /proc/self/mountinfo")
		rootfs := filepath.Join(b.dir, "rootfs")
		if err := syscall.Mount(rootfs, rootfs, "", syscall.MS_BIND, ""); err != nil {
			fatal(fmt.Errorf("bind %s: %v", rootfs, err))
		}
		if err := syscall.Mount("", rootfs, "", syscall.MS_SHARED, ""); err != nil {
			fatal(fmt.Errorf("make-shared %s: %v", rootfs, err))
		}
		b.g.SetLinuxRootPropagation(c.prop)
		if runToEnd(t, b, id) {
			mi := readFile(filepath.Join(b.dir, "create.log"))
			_, opt := rootMount(mi)
			var pass bool
			switch c.want {
			case "":
				pass = opt == ""
			case "shared:":
				pass = strings.Contains(opt, "shared:") && !strings.Contains(opt, "master:")
			default:
				// As upstream's runtimetest judges it: a slave root passes no mount on, whether
				// or not the runtime kept it a slave of the host's mount.
				pass = !strings.Contains(opt, "shared:")
			}
			what := map[string]string{"": "neither shared nor master", "shared:": "shared", "master:": "not shared"}[c.want]
			desc := fmt.Sprintf("rootfsPropagation %s: / in the container is %s", c.prop, what)
			if !pass && c.want == "shared:" {
				// runc 1.1.5 makes the rootfs parent private for pivot_root and does not make
				// the new / shared afterwards: a known deviation (README); berth does.
				t.n++
				fmt.Printf("not ok %d - %s # TODO / stays private, as with runc 1.1.5\n", t.n, desc)
			} else {
				t.ok(pass, 0, desc, "optional fields of /: "+opt, mi)
			}
		}
		rt.run("delete", "--force", id)
		syscall.Unmount(rootfs, syscall.MNT_DETACH)
	}
}
