package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/flux-vk/flux-vk/loader"
)

func init() {
	register("inspect", "show what the loader sees in a checkpoint file or folder", runInspect)
}

// runInspect prints the loader's view of FILE|DIR; the report itself
// lives in loader.Inspect. A damaged file exits non-zero.
func runInspect(args []string) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: flux-vk inspect [--verify] [--sha256 HEX] [--tensors] FILE|DIR")
		fs.PrintDefaults()
	}
	var opts loader.InspectOptions
	fs.BoolVar(&opts.Verify, "verify", false, "check sha256 against FILE.sha256 or the Hugging Face cache blob name")
	fs.StringVar(&opts.SHA256, "sha256", "", "expected sha256 of FILE (implies --verify)")
	fs.BoolVar(&opts.Tensors, "tensors", false, "list every tensor")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("need exactly one FILE or DIR")
	}
	if err := loader.Inspect(os.Stdout, fs.Arg(0), opts); err != nil {
		if errors.Is(err, loader.ErrInspect) {
			return errSilent // the report printed the problem
		}
		return err
	}
	return nil
}
