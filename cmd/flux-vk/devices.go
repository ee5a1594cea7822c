package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/flux-vk/flux-vk/engine"
)

func init() {
	register("devices", "list Vulkan devices and their capabilities; * marks the one used", runDevices)
}

func runDevices(args []string) error {
	fs := flag.NewFlagSet("devices", flag.ContinueOnError)
	sel := fs.String("device", "", "device index or name substring to mark as chosen (default $FLUXVK_DEVICE, else the best)")
	validation := fs.Bool("validation", false, "turn on the Khronos validation layer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	infos, chosen, err := engine.Devices(*sel, *validation)
	if err != nil {
		return deviceError(err)
	}
	for i := range infos {
		infos[i].Report(os.Stdout, i == chosen)
	}
	return nil
}

// deviceError adds what to do to the two errors every new user meets.
func deviceError(err error) error {
	if errors.Is(err, engine.ErrNoLoader) || errors.Is(err, engine.ErrNoDevice) {
		return fmt.Errorf("%w\n%s", err, engine.Hint)
	}
	return err
}
