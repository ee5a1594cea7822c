package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The test binary doubles as the flux-vk binary: with FLUXVK_TEST_MAIN=1 it
// runs main, so CLI tests exercise the real argument parsing and exit codes.
func TestMain(m *testing.M) {
	if os.Getenv("FLUXVK_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// cli runs flux-vk with args and extra environment; it returns stdout,
// stderr and the exit code.
func cli(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "FLUXVK_TEST_MAIN=1"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestDevices(t *testing.T) {
	out, errs, code := cli(t, nil, "devices")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "* [") || !strings.Contains(out, "max storage-buffer range") {
		t.Errorf("report lacks the chosen mark or limits:\n%s", out)
	}
}

func TestDevicesNoDriver(t *testing.T) {
	_, errs, code := cli(t, []string{"VK_ICD_FILENAMES=/nonexistent/icd.json", "VK_DRIVER_FILES=/nonexistent/icd.json"}, "devices")
	if code == 0 {
		t.Fatal("exit 0 with no driver")
	}
	if !strings.Contains(errs, "mesa-vulkan-drivers") {
		t.Errorf("error does not say what to install:\n%s", errs)
	}
}

func TestUnknownCommand(t *testing.T) {
	_, errs, code := cli(t, nil, "frobnicate")
	if code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
