package loader

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// InspectOptions tunes the inspect report.
type InspectOptions struct {
	Verify  bool   // check sha256 against a sidecar / the Hugging Face cache blob name
	SHA256  string // expected digest of a single file (implies Verify)
	Tensors bool   // list every tensor
}

// ErrInspect is returned (wrapped) when inspect found a problem; the report
// already printed it.
var ErrInspect = errors.New("checkpoint has problems")

// Inspect prints what the loader sees in a checkpoint file or folder: the
// layout, the model (schnell/dev, configuration inferred from shapes), each
// component's files, tensor and parameter counts, dtypes, and any problem
// validation finds. It returns an error (wrapping ErrInspect) when there
// is a problem, after printing it.
func Inspect(w io.Writer, path string, opts InspectOptions) error {
	r := &report{w: w, opts: opts}
	st, err := os.Stat(path)
	if err != nil {
		return r.problem(err)
	}
	if !st.IsDir() {
		if err := r.file(path); err != nil {
			return err
		}
	}
	return r.model(path, st.IsDir())
}

type report struct {
	w        io.Writer
	opts     InspectOptions
	problems int
}

func (r *report) line(label, format string, args ...any) {
	fmt.Fprintf(r.w, "%-11s %s\n", label, fmt.Sprintf(format, args...))
}

func (r *report) problem(err error) error {
	r.problems++
	r.line("PROBLEM", "%v", err)
	return fmt.Errorf("%w: %v", ErrInspect, err)
}

// file reports the container itself: validation, sizes, dtypes, sha256.
func (r *report) file(path string) error {
	f, err := Open(path)
	if err != nil {
		return r.problem(err)
	}
	defer f.Close()
	var params int64
	dtypes := map[DType]int{}
	for _, n := range f.Names() {
		info, _ := f.Info(n)
		params += info.Numel()
		dtypes[info.DType]++
	}
	r.line("file", "%s (%s, header %d bytes)", path, humanBytes(f.Size), f.HeaderLen())
	r.line("tensors", "%d, %s elements, %s", f.Len(), thousands(params), dtypeList(dtypes))
	var keys []string
	for k := range f.Metadata() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		r.line("metadata", "%s", strings.Join(keys, ", "))
	}
	if r.opts.Verify || r.opts.SHA256 != "" {
		sum, err := VerifySHA256(path, r.opts.SHA256)
		if err != nil {
			return r.problem(err)
		}
		r.line("sha256", "%s ok", sum)
	}
	return nil
}

// model reports the components the loader builds from path.
func (r *report) model(path string, isDir bool) error {
	m, problems, err := loadModel(Options{ModelDir: path, AllowMissing: true})
	if err != nil {
		return r.problem(err)
	}
	defer m.Close()
	if len(m.Components()) == 0 {
		r.line("model", "no FLUX component recognised (not a model weights file)")
		if r.opts.Tensors {
			r.fileTensors(path)
		}
		return nil
	}
	if isDir {
		r.line("checkpoint", "%s", path)
		if r.opts.Verify {
			r.verifyAll(m)
		}
	}
	r.line("layout", "%s", layoutTitle[m.Layout])
	r.summary(m)
	for _, c := range m.Components() {
		r.component(m, c)
	}
	r.missing(m)
	for _, ig := range m.Ignored {
		r.line("ignored", "%s (no model tensors)", rel(m.Root, ig))
	}
	if problems != nil {
		for _, p := range strings.Split(problems.Error(), "\n") {
			r.problem(errors.New(p))
		}
	}
	if r.problems > 0 {
		return fmt.Errorf("%w: %d found", ErrInspect, r.problems)
	}
	return nil
}

var layoutTitle = map[string]string{
	LayoutDiffusers:   "diffusers folder",
	LayoutSingleFiles: "folder of single files",
	LayoutFiles:       "single file",
}

func (r *report) summary(m *Model) {
	if m.Flux == nil {
		r.line("model", "no transformer; components only")
		return
	}
	guid := "no guidance_in"
	if m.Variant == "dev" {
		guid = "guidance_in present"
	}
	sched := "unshifted schedule"
	if s := m.Scheduler; s.UseDynamicShifting {
		sched = fmt.Sprintf("shifted schedule (%g at %d tokens to %g at %d)", s.BaseShift, s.BaseImageSeqLen, s.MaxShift, s.MaxImageSeqLen)
	} else if s.Shift != 1 {
		sched = fmt.Sprintf("schedule shift %g", s.Shift)
	}
	if m.Scheduler.Source != "" {
		sched += " from " + rel(m.Root, m.Scheduler.Source)
	}
	r.line("model", "FLUX.1 %s (%s), T5 length %d, %s", m.Variant, guid, m.MaxSequenceLength, sched)
	if m.TokenizerDir != "" || m.Tokenizer2Dir != "" {
		r.line("tokenizers", "%s, %s", orNone(rel(m.Root, m.TokenizerDir)), orNone(rel(m.Root, m.Tokenizer2Dir)))
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// verifyAll checks every file that has a reference sha256.
func (r *report) verifyAll(m *Model) {
	for _, f := range m.files {
		want, _, err := ExpectedSHA256(f.Path)
		switch {
		case err != nil:
			r.problem(err)
		case want == "":
			r.line("sha256", "%s: no reference (no .sha256 sidecar, not in the Hugging Face cache)", rel(m.Root, f.Path))
		default:
			if _, err := VerifySHA256(f.Path, want); err != nil {
				r.problem(err)
			} else {
				r.line("sha256", "%s ok", rel(m.Root, f.Path))
			}
		}
	}
}

func (r *report) fileTensors(path string) {
	f, err := Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	for _, n := range f.Names() {
		info, _ := f.Info(n)
		fmt.Fprintf(r.w, "    %-60s %-7s %v\n", n, info.DType, info.Shape)
	}
}

func rel(root, path string) string {
	if root == "" || path == "" {
		return path
	}
	if st, err := os.Stat(root); err == nil && !st.IsDir() {
		root = filepath.Dir(root)
	}
	if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
