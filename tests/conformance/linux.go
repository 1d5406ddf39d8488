// Linux namespace programs.

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/specerror"
)

func progNamespaces(t *tap) {
	id := newID("ns")
	b := newBundle(id, "sleep", "1000")
	b.save()
	if out, err := rt.create(b, id); !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	st, _, _ := rt.state(id)
	if st == nil || st.Pid <= 0 {
		t.ok(false, 0, "state has a pid")
		return
	}
	for _, ns := range b.g.Config.Linux.Namespaces {
		name := map[rspec.LinuxNamespaceType]string{"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt"}[ns.Type]
		mine, _ := os.Readlink("/proc/self/ns/" + name)
		theirs, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", st.Pid, name))
		t.ok(theirs != "" && theirs != mine, 0, fmt.Sprintf("%s namespace is a new one", ns.Type), mine+" vs "+theirs)
	}
}

func progNSPath(t *tap) {
	// The holder is a host process in namespaces of its own, as upstream's linux_ns_path uses.
	holder := exec.Command("unshare", "--net", "--ipc", "--uts", "sleep", "1000")
	if err := holder.Start(); err != nil {
		fatal(fmt.Errorf("unshare: %v", err))
	}
	defer func() { holder.Process.Kill(); holder.Wait() }()
	kinds := []struct{ spec, proc string }{{"network", "net"}, {"ipc", "ipc"}, {"uts", "uts"}}
	want := map[string]string{}
	for i := 0; i < 100; i++ {
		for _, k := range kinds {
			want[k.proc], _ = os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", holder.Process.Pid, k.proc))
		}
		if mine, _ := os.Readlink("/proc/self/ns/net"); want["net"] != "" && want["net"] != mine {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	id := newID("ns-path")
	b := newBundle(id, "sh", "-c", "for n in net ipc uts; do readlink /proc/self/ns/$n; done > /out")
	for _, k := range kinds {
		b.g.AddOrReplaceLinuxNamespace(k.spec, fmt.Sprintf("/proc/%d/ns/%s", holder.Process.Pid, k.proc))
	}
	b.g.SetHostname("")
	if !runToEnd(t, b, id) {
		return
	}
	got := strings.Fields(readFile(b.file("out")))
	for i, k := range kinds {
		t.ok(i < len(got) && got[i] == want[k.proc], specerror.NSProcInPath,
			k.spec+" namespace with a path joins the namespace at that path", strings.Join(got, " "), "want "+want[k.proc])
	}
	id2 := newID("ns-path")
	b2 := newBundle(id2, "true")
	b2.g.AddOrReplaceLinuxNamespace("network", fmt.Sprintf("/proc/%d/ns/ipc", holder.Process.Pid))
	b2.save()
	out, err := rt.create(b2, id2)
	if err == nil {
		var o2 string
		o2, err = rt.run("start", id2)
		out += o2
	}
	t.ok(err != nil, specerror.NSPathMatchTypeError, "a network namespace path that is an ipc namespace fails", out)
}

// chownTree hands the bundle's rootfs to the user namespace's root.
func chownTree(dir string, uid, gid int) {
	filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			os.Lchown(p, uid, gid)
		}
		return nil
	})
}

func progUserNS(t *tap) {
	id := newID("uid-mappings")
	b := newBundle(id, "sh", "-c", "{ cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; } > /out")
	b.g.AddOrReplaceLinuxNamespace("user", "")
	b.g.AddLinuxUIDMapping(200000, 0, 65536)
	b.g.AddLinuxGIDMapping(300000, 0, 65536)
	chownTree(filepath.Join(b.dir, "rootfs"), 200000, 300000)
	// The mapped root must be able to reach its rootfs through our private temp dirs.
	for d := b.dir; d != "/tmp" && d != "/" && d != "."; d = filepath.Dir(d) {
		os.Chmod(d, 0o711)
	}
	if !runToEnd(t, b, id) {
		return
	}
	all := readFile(b.file("out"))
	lines := strings.Split(all, "\n")
	field := func(i int) string {
		if i < len(lines) {
			return strings.Join(strings.Fields(lines[i]), " ")
		}
		return ""
	}
	t.ok(field(0) == "0 200000 65536", 0, "uidMappings are written to /proc/self/uid_map", all)
	t.ok(field(1) == "0 300000 65536", 0, "gidMappings are written to /proc/self/gid_map", all)
	t.ok(field(2) == "0" && field(3) == "0", 0, "the process is root inside the user namespace", all)
	var st syscall.Stat_t
	err := syscall.Stat(b.file("out"), &st)
	t.ok(err == nil && st.Uid == 200000 && st.Gid == 300000, 0, "a file the container's root writes is owned by the mapped host ids",
		fmt.Sprintf("%d:%d %v", st.Uid, st.Gid, err))
}

func progSysctl(t *tap) {
	id := newID("sysctl")
	b := newBundle(id, "sh", "-c", "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced /proc/sys/kernel/msgmax > /out")
	hostIPC := readFile("/proc/sys/kernel/msgmax")
	hostFwd := readFile("/proc/sys/net/ipv4/ip_forward")
	b.g.AddLinuxSysctl("net.ipv4.ip_forward", "1")
	b.g.AddLinuxSysctl("kernel.shm_rmid_forced", "1")
	b.g.AddLinuxSysctl("kernel.msgmax", "4567")
	if !runToEnd(t, b, id) {
		return
	}
	got := strings.Fields(readFile(b.file("out")))
	t.ok(len(got) == 3 && got[0] == "1", 0, "a net sysctl (net.ipv4.ip_forward) is set in the container", strings.Join(got, " "))
	t.ok(len(got) == 3 && got[1] == "1", 0, "an ipc sysctl (kernel.shm_rmid_forced) is set in the container", strings.Join(got, " "))
	t.ok(len(got) == 3 && got[2] == "4567", 0, "an ipc sysctl (kernel.msgmax) is set in the container", strings.Join(got, " "))
	t.ok(readFile("/proc/sys/kernel/msgmax") == hostIPC && readFile("/proc/sys/net/ipv4/ip_forward") == hostFwd, 0,
		"the host's values are untouched")
}

func progDevices(t *tap) {
	id := newID("devices")
	script := `stat -c '%n %F %t %T %a %u %g' /dev/conf-char /dev/conf-block /dev/conf-fifo > /out 2>&1; ` +
		`for d in null zero full random urandom tty; do stat -c '%n %F %t %T' /dev/$d; done > /defaults 2>&1; ` +
		`head -c 4 /dev/conf-char | wc -c > /read 2>&1`
	b := newBundle(id, "sh", "-c", script)
	mode := func(m os.FileMode) *os.FileMode { return &m }
	u32 := func(v uint32) *uint32 { return &v }
	b.g.AddDevice(rspec.LinuxDevice{Path: "/dev/conf-char", Type: "c", Major: 1, Minor: 5, FileMode: mode(0o640), UID: u32(1001), GID: u32(1002)})
	b.g.AddDevice(rspec.LinuxDevice{Path: "/dev/conf-block", Type: "b", Major: 7, Minor: 200, FileMode: mode(0o600), UID: u32(0), GID: u32(6)})
	b.g.AddDevice(rspec.LinuxDevice{Path: "/dev/conf-fifo", Type: "p", FileMode: mode(0o666), UID: u32(0), GID: u32(0)})
	major, minor := int64(1), int64(5)
	b.g.AddLinuxResourcesDevice(true, "c", &major, &minor, "rwm")
	if !runToEnd(t, b, id) {
		return
	}
	out := readFile(b.file("out"))
	has := func(line string) bool { return strings.Contains("\n"+out, "\n"+line+"\n") }
	t.ok(has("/dev/conf-char character special file 1 5 640 1001 1002"), specerror.DevicesAvailable,
		"a char device is made with its type, major, minor, mode, uid and gid", out)
	t.ok(has("/dev/conf-block block special file 7 c8 600 0 6"), specerror.DevicesAvailable,
		"a block device is made with its type, major, minor, mode, uid and gid", out)
	t.ok(has("/dev/conf-fifo fifo 0 0 666 0 0"), specerror.DevicesAvailable, "a fifo device is made with its mode", out)
	t.ok(strings.TrimSpace(readFile(b.file("read"))) == "4", 0, "a device allowed in the device cgroup can be read", readFile(b.file("read")))
	defs := readFile(b.file("defaults"))
	want := "/dev/null character special file 1 3\n/dev/zero character special file 1 5\n/dev/full character special file 1 7\n" +
		"/dev/random character special file 1 8\n/dev/urandom character special file 1 9\n/dev/tty character special file 5 0\n"
	t.ok(defs == want, specerror.DefaultDevices, "the default devices are there", defs)
}

func progSeccomp(t *tap) {
	id := newID("seccomp")
	script := `{ grep '^Seccomp:' /proc/self/status; mkdir /tmp/d 2>&1; touch /tmp/f && echo touched; } > /out`
	b := newBundle(id, "sh", "-c", script)
	enospc := uint(28)
	b.g.Config.Linux.Seccomp = &rspec.LinuxSeccomp{
		DefaultAction: rspec.ActAllow,
		Architectures: []rspec.Arch{rspec.ArchX86_64, rspec.ArchX86, rspec.ArchX32},
		Syscalls:      []rspec.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: rspec.ActErrno, ErrnoRet: &enospc}},
	}
	if !runToEnd(t, b, id) {
		return
	}
	out := readFile(b.file("out"))
	t.ok(strings.Contains(out, "Seccomp:\t2"), 0, "the process runs under a seccomp filter", out)
	t.ok(strings.Contains(out, "No space left on device") && !exists(b.file("tmp/d")), 0,
		"a denied syscall fails with the rule's errnoRet", out)
	t.ok(strings.Contains(out, "touched") && exists(b.file("tmp/f")), 0, "a syscall no rule names gets the default action (allow)", out)

	id = newID("seccomp")
	b = newBundle(id, "sh", "-c", "mkdir /tmp/d 2>/tmp/err; touch /tmp/f 2>>/tmp/err; chmod 600 /tmp/f 2>>/tmp/err; cat /tmp/err > /out")
	eperm := uint(1)
	b.g.Config.Linux.Seccomp = &rspec.LinuxSeccomp{
		DefaultAction:   rspec.ActErrno,
		DefaultErrnoRet: &eperm,
		Architectures:   []rspec.Arch{rspec.ArchX86_64, rspec.ArchX86, rspec.ArchX32},
		// Allow everything busybox and the runtime's last steps need except chmod-like calls.
		Syscalls: []rspec.LinuxSyscall{{Names: allowedForShell, Action: rspec.ActAllow}},
	}
	if !runToEnd(t, b, id) {
		return
	}
	out = readFile(b.file("out"))
	t.ok(exists(b.file("tmp/f")) && strings.Contains(out, "chmod") && strings.Contains(out, "Operation not permitted"), 0,
		"a syscall no rule names gets the default action (errno)", out)
}

// allowedForShell is every syscall busybox sh, mkdir, touch and cat and a runtime's last steps
// before execve may make, so that a default action of errno hits only the chmod family.
var allowedForShell = strings.Fields(`accept4 access arch_prctl bind brk capget capset chdir clock_gettime
	clock_nanosleep clone clone3 close close_range connect dup dup2 dup3 epoll_create1 epoll_ctl epoll_pwait
	epoll_wait eventfd2 execve execveat exit exit_group faccessat faccessat2 fchdir fchown fchownat fcntl
	fstat fstatfs futex getcwd getdents64 getegid geteuid getgid getgroups getpgid getpgrp getpid getppid
	getrandom getrlimit getsid gettid gettimeofday getuid ioctl kill lseek lstat madvise mkdir mkdirat mmap
	mprotect mremap munmap nanosleep newfstatat open openat pipe pipe2 poll ppoll prctl pread64 prlimit64
	pselect6 read readlink readlinkat recvfrom recvmsg rseq rt_sigaction rt_sigprocmask rt_sigreturn
	sched_getaffinity sched_yield select sendmsg sendto set_robust_list set_tid_address setgid setgroups
	setitimer setpgid setresgid setresuid setsid setuid sigaltstack socket stat statfs statx sysinfo tgkill
	tkill umask uname unlink unlinkat utimensat vfork wait4 waitid write writev keyctl`)
