// Cgroup programs: limits read back with runtime-tools' cgroups package (cgroup v1).

package main

import (
	"fmt"
	"github.com/opencontainers/runtime-tools/cgroups"
	"github.com/opencontainers/runtime-tools/specerror"
	"path/filepath"
	"strings"
	"syscall"
)

func progCgroups(t *tap) {
	cg, err := cgroups.FindCgroup()
	if err != nil {
		t.skip("cgroup limits", "runtime-tools cgroups: "+err.Error())
		return
	}
	if exists("/sys/fs/cgroup/cgroup.controllers") {
		t.skip("cgroup limits", "runtime-tools' cgroups package reads only cgroup v1")
		return
	}
	id := newID("cgroups")
	b := newBundle(id, "sleep", "1000")
	b.g.SetLinuxResourcesMemoryLimit(64 << 20)
	b.g.SetLinuxResourcesPidsLimit(64)
	b.g.SetLinuxResourcesCPUShares(512)
	b.save()
	if out, err := rt.create(b, id); !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	st, _, _ := rt.state(id)
	if st == nil {
		t.ok(false, 0, "state succeeds")
		return
	}
	path := b.g.Config.Linux.CgroupsPath
	mem, err := cg.GetMemoryData(st.Pid, path)
	t.ok(err == nil && mem.Limit != nil && *mem.Limit == 64<<20, 0, "memory.limit is applied", errText(err))
	pids, err := cg.GetPidsData(st.Pid, path)
	t.ok(err == nil && pids.Limit == 64, 0, "pids.limit is applied", errText(err))
	cpu, err := cg.GetCPUData(st.Pid, path)
	t.ok(err == nil && cpu.Shares != nil && *cpu.Shares == 512, 0, "cpu.shares is applied", errText(err))
}

// cgroupV1 gives runtime-tools' v1 reader, or the reason the program cannot run here.
func cgroupV1() (*cgroups.CgroupV1, string) {
	if exists("/sys/fs/cgroup/cgroup.controllers") {
		return nil, "runtime-tools' cgroups package reads only cgroup v1"
	}
	cg, err := cgroups.FindCgroup()
	if err != nil {
		return nil, "runtime-tools cgroups: " + err.Error()
	}
	v1, ok := cg.(*cgroups.CgroupV1)
	if !ok {
		return nil, "runtime-tools' cgroups package reads only cgroup v1"
	}
	return v1, ""
}

// cgroupStart creates a sleeping container with the bundle's resources and returns its pid.
func cgroupStart(t *tap, b *bundle, id string) int {
	b.save()
	if out, err := rt.create(b, id); !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return 0
	}
	st, out, _ := rt.state(id)
	if !t.ok(st != nil && st.Pid > 0, 0, "state has the container pid", out) {
		return 0
	}
	return st.Pid
}

func progCgroupsMemory(t *tap) {
	cg, why := cgroupV1()
	if cg == nil {
		t.skip("memory limits", why)
		return
	}
	id := newID("cgroups-memory")
	b := newBundle(id, "sleep", "1000")
	b.g.SetLinuxResourcesMemoryLimit(96 << 20)
	b.g.SetLinuxResourcesMemoryReservation(48 << 20)
	b.g.SetLinuxResourcesMemorySwap(192 << 20)
	b.g.SetLinuxResourcesMemorySwappiness(37)
	b.g.SetLinuxResourcesMemoryDisableOOMKiller(true)
	pid := cgroupStart(t, b, id)
	if pid == 0 {
		return
	}
	m, err := cg.GetMemoryData(pid, b.g.Config.Linux.CgroupsPath)
	if !t.ok(err == nil, specerror.CgroupsPathAttach, "runtime-tools reads the memory cgroup", errText(err)) {
		return
	}
	i64 := func(p *int64) int64 {
		if p == nil {
			return -1
		}
		return *p
	}
	t.ok(i64(m.Limit) == 96<<20, 0, "memory.limit is applied", fmt.Sprint(i64(m.Limit)))
	t.ok(i64(m.Reservation) == 48<<20, 0, "memory.reservation is applied", fmt.Sprint(i64(m.Reservation)))
	t.ok(i64(m.Swap) == 192<<20, 0, "memory.swap is applied (memsw)", fmt.Sprint(i64(m.Swap)))
	t.ok(m.Swappiness != nil && *m.Swappiness == 37, 0, "memory.swappiness is applied")
	t.ok(m.DisableOOMKiller != nil && *m.DisableOOMKiller, 0, "memory.disableOOMKiller is applied")
}

func progCgroupsPids(t *tap) {
	cg, why := cgroupV1()
	if cg == nil {
		t.skip("pids limit", why)
		return
	}
	id := newID("cgroups-pids")
	b := newBundle(id, "sleep", "1000")
	b.g.SetLinuxResourcesPidsLimit(37)
	pid := cgroupStart(t, b, id)
	if pid == 0 {
		return
	}
	p, err := cg.GetPidsData(pid, b.g.Config.Linux.CgroupsPath)
	t.ok(err == nil && p.Limit == 37, 0, "pids.limit is applied", errText(err))
}

func progCgroupsCPUs(t *tap) {
	cg, why := cgroupV1()
	if cg == nil {
		t.skip("cpu limits", why)
		return
	}
	id := newID("cgroups-cpus")
	b := newBundle(id, "sleep", "1000")
	b.g.SetLinuxResourcesCPUShares(1234)
	b.g.SetLinuxResourcesCPUQuota(35000)
	b.g.SetLinuxResourcesCPUPeriod(70000)
	b.g.SetLinuxResourcesCPUCpus("0")
	b.g.SetLinuxResourcesCPUMems("0")
	pid := cgroupStart(t, b, id)
	if pid == 0 {
		return
	}
	c, err := cg.GetCPUData(pid, b.g.Config.Linux.CgroupsPath)
	if !t.ok(err == nil, specerror.CgroupsPathAttach, "runtime-tools reads the cpu and cpuset cgroups", errText(err)) {
		return
	}
	t.ok(c.Shares != nil && *c.Shares == 1234, 0, "cpu.shares is applied")
	t.ok(c.Quota != nil && *c.Quota == 35000, 0, "cpu.quota is applied")
	t.ok(c.Period != nil && *c.Period == 70000, 0, "cpu.period is applied")
	t.ok(c.Cpus == "0", 0, "cpu.cpus is applied", c.Cpus)
	t.ok(c.Mems == "0", 0, "cpu.mems is applied", c.Mems)
}

func progCgroupsDevices(t *tap) {
	cg, why := cgroupV1()
	if cg == nil {
		t.skip("device rules", why)
		return
	}
	id := newID("cgroups-devices")
	b := newBundle(id, "sleep", "1000")
	// A device no runtime allows by default, so the rule seen is the config's.
	major, minor := int64(243), int64(7)
	b.g.AddLinuxResourcesDevice(true, "c", &major, &minor, "rw")
	pid := cgroupStart(t, b, id)
	if pid == 0 {
		return
	}
	ds, err := cg.GetDevicesData(pid, b.g.Config.Linux.CgroupsPath)
	found, seen := false, []string{}
	for _, d := range ds {
		if d.Major != nil && d.Minor != nil {
			seen = append(seen, fmt.Sprintf("%v %s %d:%d %s", d.Allow, d.Type, *d.Major, *d.Minor, d.Access))
			found = found || (d.Allow && d.Type == "c" && *d.Major == 243 && *d.Minor == 7 && d.Access == "rw")
		}
	}
	t.ok(err == nil && found, specerror.DevicesApplyInOrder, "an allowed device rule (c 243:7 rw) is in devices.list", errText(err), strings.Join(seen, ", "))
}

// progCgroupsBlkio: runtime-tools' GetBlockIOData starts with blkio.weight, which this kernel's
// blkio (no CFQ/BFQ weight files) lacks; the throttle files are read at the path it would use.
func progCgroupsBlkio(t *tap) {
	if cg, why := cgroupV1(); cg == nil {
		t.skip("blkio limits", why)
		return
	}
	var dev syscall.Stat_t
	if err := syscall.Stat("/dev/vda", &dev); err != nil || dev.Mode&syscall.S_IFMT != syscall.S_IFBLK {
		t.skip("blkio throttle", "no /dev/vda block device")
		return
	}
	major, minor := int64(dev.Rdev>>8&0xfff), int64(dev.Rdev&0xff|(dev.Rdev>>12)&0xfff00)
	id := newID("cgroups-blkio")
	b := newBundle(id, "sleep", "1000")
	b.g.AddLinuxResourcesBlockIOThrottleReadBpsDevice(major, minor, 1048576)
	b.g.AddLinuxResourcesBlockIOThrottleWriteBpsDevice(major, minor, 2097152)
	b.g.AddLinuxResourcesBlockIOThrottleReadIOPSDevice(major, minor, 300)
	b.g.AddLinuxResourcesBlockIOThrottleWriteIOPSDevice(major, minor, 400)
	if cgroupStart(t, b, id) == 0 {
		return
	}
	dir := filepath.Join("/sys/fs/cgroup/blkio", b.g.Config.Linux.CgroupsPath)
	if !exists(filepath.Join(dir, "blkio.weight")) {
		t.skip("runtime-tools GetBlockIOData", "this kernel's blkio has no blkio.weight, which the reader needs first")
	}
	for _, c := range []struct {
		file string
		v    int
	}{{"read_bps_device", 1048576}, {"write_bps_device", 2097152}, {"read_iops_device", 300}, {"write_iops_device", 400}} {
		got := readFile(filepath.Join(dir, "blkio.throttle."+c.file))
		want := fmt.Sprintf("%d:%d %d\n", major, minor, c.v)
		t.ok(got == want, 0, "blkio.throttle "+c.file+" is applied", got, "want "+want)
	}
}

// progCgroupsHugetlb and progCgroupsNetwork need controllers this hybrid host may not mount.
func progCgroupsHugetlb(t *tap) {
	cg, why := cgroupV1()
	if cg == nil {
		t.skip("hugetlb limits", why)
		return
	}
	if !exists("/sys/fs/cgroup/hugetlb") {
		t.skip("hugetlb limits", "no hugetlb controller is mounted on this host")
		return
	}
	id := newID("cgroups-hugetlb")
	b := newBundle(id, "sleep", "1000")
	b.g.AddLinuxResourcesHugepageLimit("2MB", 4<<20)
	pid := cgroupStart(t, b, id)
	if pid == 0 {
		return
	}
	hs, err := cg.GetHugepageLimitData(pid, b.g.Config.Linux.CgroupsPath)
	found := false
	for _, h := range hs {
		found = found || (h.Pagesize == "2MB" && h.Limit == 4<<20)
	}
	t.ok(err == nil && found, 0, "hugepageLimits 2MB is applied", errText(err))
}
