package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// plan collects, per component, the stored tensors and the configuration
// found for it before the components are built.
type plan struct {
	m       *Model
	opened  map[string]*File
	entries map[string][]entry
	configs map[string]compConfig
}

type compConfig struct {
	conf, whole cfg
	source      string
}

// Load finds, opens and validates a checkpoint in any supported layout and
// infers its configuration. On error nothing stays open.
func Load(opts Options) (*Model, error) {
	m, problems, err := loadModel(opts)
	if err == nil {
		err = problems
	}
	if err != nil {
		if m != nil {
			m.Close()
		}
		return nil, err
	}
	return m, nil
}

// loadModel opens and maps the files (err: the model cannot be read at
// all, nothing stays open) and then infers the configuration (problems:
// the model was read but does not make a usable checkpoint).
func loadModel(opts Options) (m *Model, problems, err error) {
	p := &plan{m: &Model{}, opened: map[string]*File{}, entries: map[string][]entry{}, configs: map[string]compConfig{}}
	if err := p.gather(opts); err != nil {
		p.m.Close()
		return nil, nil, err
	}
	m = p.m
	where := m.Root
	if where == "" {
		where = "model files"
	}
	var errs []error
	if !opts.AllowMissing {
		errs = append(errs, m.missingError(where))
	}
	if err := m.inferConfigs(p.configs); err != nil {
		errs = append(errs, err) // no point comparing the widths of broken configs
	} else {
		errs = append(errs, m.checkCompatible())
	}
	return m, errors.Join(errs...), nil
}

// gather reads every file the options name and builds the components.
func (p *plan) gather(opts Options) error {
	m := p.m
	explicit := map[string]string{KindFlux: opts.DiffusionModel, KindAE: opts.VAE, KindCLIP: opts.CLIPL, KindT5: opts.T5XXL}
	anyExplicit := opts.DiffusionModel+opts.VAE+opts.CLIPL+opts.T5XXL != ""
	if opts.ModelDir == "" && !anyExplicit {
		dir, err := FindHFCache()
		if err != nil {
			return err
		}
		opts.ModelDir = dir
	}
	m.Layout = LayoutFiles
	if opts.ModelDir != "" {
		m.Root = opts.ModelDir
		if err := p.addRoot(opts.ModelDir); err != nil {
			return err
		}
	}
	for _, kind := range []string{KindFlux, KindAE, KindCLIP, KindT5} {
		if path := explicit[kind]; path != "" {
			if err := p.addExplicit(kind, path); err != nil {
				return err
			}
		}
	}
	return p.build()
}

// addRoot reads ModelDir: a diffusers folder, a folder of single files or
// a single file.
func (p *plan) addRoot(root string) error {
	st, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("model %s: no such file or folder", root)
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return p.addFile(root, "", nil)
	}
	if isDiffusersFolder(root) {
		p.m.Layout = LayoutDiffusers
		return p.addDiffusers(root)
	}
	p.m.Layout = LayoutSingleFiles
	paths, _ := filepath.Glob(filepath.Join(root, "*.safetensors"))
	sort.Strings(paths)
	if len(paths) == 0 {
		return fmt.Errorf("model %s: no model_index.json (diffusers folder) and no .safetensors files", root)
	}
	for _, path := range paths {
		if err := p.addFile(path, "", nil); err != nil {
			return err
		}
	}
	return nil
}

// addExplicit makes a file named by a flag the only source of its
// component.
func (p *plan) addExplicit(kind, path string) error {
	delete(p.entries, kind)
	delete(p.configs, kind)
	if err := p.addFile(path, kind, nil); err != nil {
		return err
	}
	if len(p.entries[kind]) == 0 {
		return fmt.Errorf("%s %s: holds no %s tensors (%s)", componentFlags[kind][0], path, kindTitle[kind], p.describe(path))
	}
	return nil
}

var kindTitle = map[string]string{KindFlux: "transformer", KindAE: "autoencoder", KindCLIP: "CLIP text encoder", KindT5: "T5 encoder"}

// describe says what a file looks like, for error messages.
func (p *plan) describe(path string) string {
	f := p.opened[path]
	counts := map[string]int{}
	for _, n := range f.Names() {
		k, _, _ := classify(n)
		counts[k]++
	}
	s := fmt.Sprintf("%d tensors", f.Len())
	for _, k := range []string{KindFlux, KindAE, KindCLIP, KindT5} {
		if counts[k] > 0 {
			s += fmt.Sprintf(", %d %s", counts[k], kindTitle[k])
		}
	}
	return s
}

func (p *plan) open(path string) (*File, error) {
	if f, ok := p.opened[path]; ok {
		return f, nil
	}
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	p.opened[path] = f
	p.m.files = append(p.m.files, f)
	return f, nil
}

// addFile assigns a file's tensors to components by their names. only
// restricts it to one component; names restricts it to some tensors (a
// shard holds what its index lists).
func (p *plan) addFile(path, only string, names []string) error {
	f, err := p.open(path)
	if err != nil {
		return err
	}
	if names == nil {
		names = f.Names()
	}
	byKind := map[string][]entry{}
	var loose []entry // scale markers and the like: follow the file's main component
	for _, n := range names {
		kind, bare, _ := classify(n)
		e := entry{file: f, full: n, bare: bare}
		switch {
		case kind == "" && isScaleName(bare):
			loose = append(loose, e)
		case kind != "" && (only == "" || kind == only):
			byKind[kind] = append(byKind[kind], e)
		}
	}
	if len(byKind) == 0 {
		p.m.Ignored = append(p.m.Ignored, path)
		return nil
	}
	main := dominant(byKind)
	byKind[main] = append(byKind[main], loose...)
	conf, whole := metadataConfig(f)
	confKind := metadataKind(whole)
	if confKind == "" && len(byKind) == 1 {
		confKind = main
	}
	for kind, es := range byKind {
		p.entries[kind] = append(p.entries[kind], es...)
		if _, ok := p.configs[kind]; !ok && conf != nil && kind == confKind {
			p.configs[kind] = compConfig{conf, whole, path + ` __metadata__["config"]`}
		}
	}
	return nil
}

func dominant(byKind map[string][]entry) string {
	best := ""
	for k, es := range byKind {
		if best == "" || len(es) > len(byKind[best]) || len(es) == len(byKind[best]) && k < best {
			best = k
		}
	}
	return best
}

// build turns the gathered entries into components.
func (p *plan) build() error {
	var errs []error
	for _, kind := range []string{KindFlux, KindAE, KindCLIP, KindT5} {
		es := p.entries[kind]
		if len(es) == 0 {
			continue
		}
		c, err := buildComponent(kind, es)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if cc, ok := p.configs[kind]; ok {
			c.Config, c.ConfigSource = cc.conf, cc.source
		}
		p.m.setComponent(c)
	}
	return errors.Join(errs...)
}
