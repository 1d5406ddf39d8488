// Lifecycle programs: config, create, state, start, kill, killsig, delete, pidfile and hooks.

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/specerror"
)

func progConfig(t *tap) {
	dir := filepath.Join(work, "spec")
	os.MkdirAll(dir, 0o755)
	cmd := exec.Command(rt.bin, "spec")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if t.ok(err == nil, 0, "spec writes a config.json", string(out)) {
		os.MkdirAll(filepath.Join(dir, "rootfs"), 0o755)
		configValidate(t, "spec", dir)
	}
	b := newBundle(newID("config"), "true")
	b.save()
	configValidate(t, "generated bundle (harness check)", b.dir)
}

func progCreate(t *tap) {
	_, err := rt.run("create")
	t.ok(err != nil, specerror.CreateWithBundlePathAndID, "create without an ID fails")

	id := newID("create")
	b := newBundle(id, "sh", "-c", "echo started > /started")
	b.save()
	out, err := rt.create(b, id)
	if !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	st, out, err := rt.state(id)
	t.ok(err == nil && st.Status == "created", specerror.CreateNewContainer, "state after create is created", out)
	t.ok(!exists(b.file("started")), specerror.ProcArgsApplyUntilStart, "process.args do not run before start")

	b2 := newBundle(id+"-dup", "true")
	b2.save()
	out, err = rt.create(b2, id)
	t.ok(err != nil, specerror.CreateWithUniqueID, "create with an ID in use fails", out)
	st, out, err = rt.state(id)
	t.ok(err == nil && st.Status == "created" && st.Bundle == b.dir, specerror.CreateWithUniqueID,
		"a failed duplicate create leaves the first container as it was", out)

	out, err = rt.run("start", id)
	t.ok(err == nil, specerror.StartProcImplement, "start succeeds", out)
	rt.waitStatus(id, "stopped")
	t.ok(readFile(b.file("started")) == "started\n", specerror.StartProcImplement, "start runs process.args")

	id3 := newID("create")
	b3 := newBundle(id3, "true")
	b3.g.SetRootPath("no-such-rootfs")
	b3.save()
	out, err = rt.create(b3, id3)
	t.ok(err != nil, specerror.PropApplyFailGenError, "create with a missing root.path fails", out)
	_, out, err = rt.state(id3)
	t.ok(err != nil, specerror.PropApplyFailNotCreate, "a failed create leaves no container", out)
}

func progState(t *tap) {
	_, err := rt.run("state")
	t.ok(err != nil, specerror.QueryWithoutIDGenError, "state without an ID fails")
	_, _, err = rt.state("conf-no-such-container")
	t.ok(err != nil, specerror.QueryNonExistGenError, "state of a missing container fails")

	id := newID("state")
	b := newBundle(id, "sh", "-c", "read x < /fifo")
	b.g.AddAnnotation("org.berth.conform", "yes")
	b.save()
	if err := syscall.Mkfifo(b.file("fifo"), 0o666); err != nil {
		fatal(err)
	}
	out, err := rt.create(b, id)
	if !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	raw, err := rt.run("state", id)
	if !t.ok(err == nil, specerror.QueryStateImplement, "state succeeds", raw) {
		return
	}
	err = schemaCheck("state-schema.json", []byte(raw))
	t.ok(err == nil, specerror.DefaultStateJSONPattern, "state output matches the runtime-spec state schema", errText(err), raw)
	var st rspec.State
	json.Unmarshal([]byte(raw), &st)
	t.ok(st.ID == id, specerror.StateIDUniq, "state id is the container ID", raw)
	t.ok(st.Bundle == b.dir, specerror.QueryStateImplement, "state bundle is the absolute bundle path", raw)
	t.ok(st.Version != "", specerror.QueryStateImplement, "state ociVersion is set", raw)
	t.ok(st.Annotations["org.berth.conform"] == "yes", specerror.QueryStateImplement, "state carries the config's annotations", raw)
	nsOK := false
	if st.Pid > 0 {
		mine, _ := os.Readlink("/proc/self/ns/pid")
		theirs, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", st.Pid))
		nsOK = theirs != "" && theirs != mine
	}
	t.ok(nsOK, specerror.QueryStateImplement, "state pid is a live process in the container's pid namespace", raw)

	out, err = rt.run("start", id)
	t.ok(err == nil, specerror.StartProcImplement, "start succeeds", out)
	s, _, _ := rt.state(id)
	t.ok(s != nil && s.Status == "running", specerror.QueryStateImplement, "state after start is running")
	// Opening the fifo for writing lets the container's read finish and the process exit.
	if f, err := os.OpenFile(b.file("fifo"), os.O_WRONLY, 0); err == nil {
		f.Write([]byte("go\n"))
		f.Close()
	}
	t.ok(rt.waitStatus(id, "stopped") == "stopped", specerror.QueryStateImplement, "state after the process exits is stopped")
	raw, _ = rt.run("state", id)
	err = schemaCheck("state-schema.json", []byte(raw))
	t.ok(err == nil, specerror.DefaultStateJSONPattern, "stopped state matches the runtime-spec state schema", errText(err), raw)
}

func progStart(t *tap) {
	_, err := rt.run("start")
	t.ok(err != nil, specerror.StartWithoutIDGenError, "start without an ID fails")
	out, err := rt.run("start", "conf-no-such-container")
	t.ok(err != nil, 0, "start of a missing container fails", out)

	id := newID("start")
	b := newBundle(id, "sh", "-c", "echo run >> /count; exec sleep 1000")
	b.save()
	out, err = rt.create(b, id)
	if !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	out, err = rt.run("start", id)
	t.ok(err == nil, specerror.StartProcImplement, "start succeeds", out)
	rt.waitStatus(id, "running")
	for i := 0; i < 100 && !exists(b.file("count")); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	out, err = rt.run("start", id)
	t.ok(err != nil, specerror.StartNotCreatedGenError, "start of a running container fails", out)
	st, _, _ := rt.state(id)
	t.ok(st != nil && st.Status == "running" && readFile(b.file("count")) == "run\n",
		specerror.StartNotCreatedHaveNoEffect, "start of a running container has no effect", readFile(b.file("count")))
	rt.run("kill", id, "KILL")
	rt.waitStatus(id, "stopped")
	out, err = rt.run("start", id)
	t.ok(err != nil, specerror.StartNotCreatedGenError, "start of a stopped container fails", out)
	st, _, _ = rt.state(id)
	t.ok(st != nil && st.Status == "stopped" && readFile(b.file("count")) == "run\n",
		specerror.StartNotCreatedHaveNoEffect, "start of a stopped container has no effect")

	id2 := newID("start")
	b2 := newBundle(id2, "true")
	b2.g.Config.Process = nil
	b2.save()
	out, err = rt.create(b2, id2)
	if err == nil {
		out, err = rt.run("start", id2)
	}
	t.ok(err != nil, specerror.StartWithProcUnsetGenError, "a config without process fails at create or start", out)
}

func progKill(t *tap) {
	_, err := rt.run("kill")
	t.ok(err != nil, specerror.KillWithoutIDGenError, "kill without an ID fails")
	out, err := rt.run("kill", "conf-no-such-container", "KILL")
	t.ok(err != nil, 0, "kill of a missing container fails", out)

	id := newID("kill")
	b := newBundle(id, "sleep", "1000")
	b.save()
	out, err = rt.create(b, id)
	if !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	out, err = rt.run("kill", id, "KILL")
	t.ok(err == nil, specerror.KillSignalImplement, "kill KILL of a created container succeeds", out)
	t.ok(rt.waitStatus(id, "stopped") == "stopped", specerror.KillSignalImplement, "the killed created container is stopped")
	out, err = rt.run("kill", id, "KILL")
	t.ok(err != nil, specerror.KillNonCreateRunGenError, "kill of a stopped container fails", out)
	st, _, _ := rt.state(id)
	t.ok(st != nil && st.Status == "stopped", specerror.KillNonCreateRunHaveNoEffect, "kill of a stopped container has no effect")

	for _, sig := range []string{"TERM", "SIGTERM", "15"} {
		id := newID("kill")
		b := newBundle(id, "sleep", "1000")
		b.save()
		if out, err := rt.create(b, id); !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
			continue
		}
		rt.run("start", id)
		rt.waitStatus(id, "running")
		// pid 1 of a pid namespace ignores TERM without a handler, so the kill must come before
		// the container is a lost cause: a KILL afterwards tells "ignored" from "not sent".
		out, err := rt.run("kill", id, sig)
		t.ok(err == nil, specerror.KillSignalImplement, "kill "+sig+" of a running container succeeds", out)
		rt.run("kill", id, "KILL")
		rt.waitStatus(id, "stopped")
	}
}

func progKillsig(t *tap) {
	id := newID("killsig")
	script := `trap "echo HUP >> /sig" HUP; trap "echo USR1 >> /sig" USR1; trap "echo TERM >> /sig; exit 0" TERM; ` +
		`echo ready > /ready; while :; do sleep 0.05; done`
	b := newBundle(id, "sh", "-c", script)
	b.save()
	if out, err := rt.create(b, id); !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	rt.run("start", id)
	for i := 0; i < 200 && !exists(b.file("ready")); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	want := ""
	for _, c := range [][2]string{{"HUP", "HUP"}, {"SIGUSR1", "USR1"}, {"15", "TERM"}} {
		out, err := rt.run("kill", id, c[0])
		want += c[1] + "\n"
		got := ""
		for i := 0; i < 200; i++ {
			if got = readFile(b.file("sig")); got == want {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.ok(err == nil && got == want, specerror.KillSignalImplement, "kill "+c[0]+" reaches the container process",
			out, "got: "+got)
	}
	t.ok(rt.waitStatus(id, "stopped") == "stopped", specerror.KillSignalImplement, "the process stopped after its TERM handler")
}

func progDelete(t *tap) {
	_, err := rt.run("delete")
	t.ok(err != nil, specerror.DeleteWithoutIDGenError, "delete without an ID fails")
	out, err := rt.run("delete", "conf-no-such-container")
	t.ok(err != nil, 0, "delete of a missing container fails", out)

	id := newID("delete")
	b := newBundle(id, "sleep", "1000")
	b.save()
	if out, err := rt.create(b, id); !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	rt.run("start", id)
	rt.waitStatus(id, "running")
	out, err = rt.run("delete", id)
	t.ok(err != nil, specerror.DeleteNonStopGenError, "delete of a running container fails", out)
	st, _, _ := rt.state(id)
	t.ok(st != nil && st.Status == "running", specerror.DeleteNonStopHaveNoEffect, "delete of a running container has no effect")
	rt.run("kill", id, "KILL")
	rt.waitStatus(id, "stopped")
	out, err = rt.run("delete", id)
	t.ok(err == nil, specerror.DeleteResImplement, "delete of a stopped container succeeds", out)
	_, out, err = rt.state(id)
	t.ok(err != nil, specerror.DeleteResImplement, "state after delete fails", out)
	left := []string{}
	for _, h := range cgroupLeafs(cgBase + "/" + id) {
		if exists(h) {
			left = append(left, h)
		}
	}
	t.ok(len(left) == 0, specerror.DeleteResImplement, "delete removes the container's cgroup", left...)
	b2 := newBundle(id+"-again", "true")
	b2.save()
	out, err = rt.create(b2, id)
	t.ok(err == nil, specerror.DeleteResImplement, "the ID can be used again after delete", out)
}

func progPidfile(t *tap) {
	id := newID("pidfile")
	b := newBundle(id, "true")
	b.save()
	pf := filepath.Join(b.dir, "pid")
	if out, err := rt.create(b, id, "--pid-file", pf); !t.ok(err == nil, specerror.CreateNewContainer, "create --pid-file succeeds", out) {
		return
	}
	st, out, _ := rt.state(id)
	got := strings.TrimSpace(readFile(pf))
	t.ok(st != nil && got == strconv.Itoa(st.Pid), 0, "the pid file holds the state pid", out, "pid file: "+got)
}

// hookBundle adds a hook of each kind that records its name and its stdin (the state).
func hook(b *bundle, name string, fail bool) rspec.Hook {
	cmd := fmt.Sprintf("cat > %s/%s.state; echo %s >> %s/hooks.log", b.dir, name, name, b.dir)
	if fail {
		cmd += "; exit 1"
	}
	return rspec.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", cmd}}
}

func progHooks(t *tap) {
	id := newID("hooks")
	b := newBundle(id, "sh", "-c", "echo process >> /proc.log")
	b.g.AddPreStartHook(hook(b, "prestart", false))
	b.g.AddPostStartHook(hook(b, "poststart", false))
	b.g.AddPostStopHook(hook(b, "poststop", false))
	b.save()
	out, err := rt.create(b, id)
	if !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	t.ok(readFile(filepath.Join(b.dir, "hooks.log")) == "prestart\n", specerror.PrestartHooksInvoke,
		"prestart hooks run by create, before the process", readFile(filepath.Join(b.dir, "hooks.log")))
	out, err = rt.run("start", id)
	t.ok(err == nil, specerror.StartProcImplement, "start succeeds", out)
	rt.waitStatus(id, "stopped")
	t.ok(readFile(filepath.Join(b.dir, "hooks.log")) == "prestart\npoststart\n", specerror.PoststartHooksInvoke,
		"poststart hooks run by start", readFile(filepath.Join(b.dir, "hooks.log")))
	out, err = rt.run("delete", id)
	t.ok(err == nil, specerror.DeleteResImplement, "delete succeeds", out)
	t.ok(readFile(filepath.Join(b.dir, "hooks.log")) == "prestart\npoststart\npoststop\n", specerror.PoststopHooksInvoke,
		"poststop hooks run by delete", readFile(filepath.Join(b.dir, "hooks.log")))
	for _, h := range []string{"prestart", "poststart", "poststop"} {
		raw, _ := os.ReadFile(filepath.Join(b.dir, h+".state"))
		err := schemaCheck("state-schema.json", raw)
		var st rspec.State
		json.Unmarshal(raw, &st)
		t.ok(err == nil && st.ID == id && st.Bundle == b.dir, 0,
			h+" hook gets the container state on stdin", errText(err), string(raw))
		if h != "poststop" {
			t.ok(st.Pid > 0, 0, h+" hook state has the container pid", string(raw))
		}
	}
}

func progPrestartFail(t *tap) {
	id := newID("prestart-fail")
	b := newBundle(id, "sh", "-c", "echo process > /proc.log")
	b.g.AddPreStartHook(hook(b, "prestart", true))
	b.save()
	out, err := rt.create(b, id)
	if err == nil {
		var o2 string
		o2, err = rt.run("start", id)
		out += o2
	}
	t.ok(err != nil, specerror.PrestartHookFailGenError, "a failing prestart hook fails create or start", out)
	time.Sleep(100 * time.Millisecond)
	t.ok(!exists(b.file("proc.log")), specerror.PrestartHookFailGenError, "a failing prestart hook stops the container before the process runs")
}

func progPoststartFail(t *tap) {
	id := newID("poststart-fail")
	b := newBundle(id, "sh", "-c", "echo process > /proc.log")
	b.g.AddPostStartHook(hook(b, "poststart", true))
	b.g.AddPostStartHook(hook(b, "poststart2", false))
	b.save()
	if out, err := rt.create(b, id); !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	out, _ := rt.run("start", id)
	rt.waitStatus(id, "stopped")
	t.ok(exists(b.file("proc.log")), specerror.PoststartHookFailGenWarn, "a failing poststart hook does not stop the process", out)
	t.ok(readFile(filepath.Join(b.dir, "hooks.log")) == "poststart\npoststart2\n", specerror.PoststartHookFailGenWarn,
		"the hooks after a failing poststart hook still run", readFile(filepath.Join(b.dir, "hooks.log")))
}

func progPoststopFail(t *tap) {
	id := newID("poststop-fail")
	b := newBundle(id, "true")
	b.g.AddPostStopHook(hook(b, "poststop", true))
	b.g.AddPostStopHook(hook(b, "poststop2", false))
	b.save()
	if out, err := rt.create(b, id); !t.ok(err == nil, specerror.CreateNewContainer, "create succeeds", out) {
		return
	}
	rt.run("start", id)
	rt.waitStatus(id, "stopped")
	out, _ := rt.run("delete", id)
	_, _, err := rt.state(id)
	t.ok(err != nil, specerror.PoststopHookFailGenWarn, "a failing poststop hook does not stop delete", out)
	t.ok(readFile(filepath.Join(b.dir, "hooks.log")) == "poststop\npoststop2\n", specerror.PoststopHookFailGenWarn,
		"the hooks after a failing poststop hook still run", readFile(filepath.Join(b.dir, "hooks.log")))
}
