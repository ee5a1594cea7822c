package loader

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The diffusers FluxPipeline folders and the weights file stem of each.
var diffusersParts = []struct{ dir, kind, stem string }{
	{"transformer", KindFlux, "diffusion_pytorch_model"},
	{"vae", KindAE, "diffusion_pytorch_model"},
	{"text_encoder", KindCLIP, "model"},
	{"text_encoder_2", KindT5, "model"},
}

func isDiffusersFolder(root string) bool {
	if _, err := os.Stat(filepath.Join(root, "model_index.json")); err == nil {
		return true
	}
	st, err := os.Stat(filepath.Join(root, "transformer"))
	return err == nil && st.IsDir()
}

// addDiffusers reads a folder as `huggingface-cli download
// black-forest-labs/FLUX.1-schnell` leaves it. A component folder that is
// absent leaves its component missing (a flag may supply it).
func (p *plan) addDiffusers(root string) error {
	if idx, err := readJSONFile(filepath.Join(root, "model_index.json")); err == nil {
		if class, _ := idx.str("_class_name"); class != "" && !strings.HasPrefix(class, "Flux") {
			return fmt.Errorf("model %s: model_index.json is for %s, not a FLUX pipeline", root, class)
		}
	}
	for _, part := range diffusersParts {
		dir := filepath.Join(root, part.dir)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		if err := p.addDiffusersPart(dir, part.kind, part.stem); err != nil {
			return err
		}
	}
	for dir, dst := range map[string]*string{"tokenizer": &p.m.TokenizerDir, "tokenizer_2": &p.m.Tokenizer2Dir} {
		if st, err := os.Stat(filepath.Join(root, dir)); err == nil && st.IsDir() {
			*dst = filepath.Join(root, dir)
		}
	}
	sched, err := readSchedulerConfig(filepath.Join(root, "scheduler", "scheduler_config.json"))
	if err != nil {
		return err
	}
	p.m.Scheduler = sched
	return nil
}

func (p *plan) addDiffusersPart(dir, kind, stem string) error {
	if err := p.addWeights(dir, kind, stem); err != nil {
		return err
	}
	if len(p.entries[kind]) == 0 {
		return fmt.Errorf("%s: no %s tensors in its weights", dir, kindTitle[kind])
	}
	confPath := filepath.Join(dir, "config.json")
	conf, err := readJSONFile(confPath)
	switch {
	case err == nil:
		p.configs[kind] = compConfig{conf, conf, confPath}
	case !os.IsNotExist(err):
		return err
	}
	return nil
}

// addWeights finds a component folder's weights: through the shard index
// when there is one (shards are found only through it), else the single
// file, else the only .safetensors file there.
func (p *plan) addWeights(dir, kind, stem string) error {
	index := filepath.Join(dir, stem+".safetensors.index.json")
	if _, err := os.Stat(index); err == nil {
		return p.addSharded(index, kind)
	}
	single := filepath.Join(dir, stem+".safetensors")
	if _, err := os.Stat(single); err == nil {
		return p.addFile(single, kind, nil)
	}
	indexes, _ := filepath.Glob(filepath.Join(dir, "*.safetensors.index.json"))
	if len(indexes) == 1 {
		return p.addSharded(indexes[0], kind)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if len(files) == 1 {
		return p.addFile(files[0], kind, nil)
	}
	return fmt.Errorf("%s: no %s.safetensors or %s.safetensors.index.json (found %d .safetensors files)", dir, stem, stem, len(files))
}

// addSharded reads a shard index (weight_map: tensor -> shard file) and
// checks that each shard holds what the index says.
func (p *plan) addSharded(index, kind string) error {
	b, err := os.ReadFile(index)
	if err != nil {
		return err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return fmt.Errorf("%s: %w", index, err)
	}
	if len(idx.WeightMap) == 0 {
		return fmt.Errorf("%s: empty weight_map", index)
	}
	byShard := map[string][]string{}
	for name, shard := range idx.WeightMap {
		if shard != filepath.Base(shard) {
			return fmt.Errorf("%s: tensor %q: shard %q is not a file beside the index", index, name, shard)
		}
		byShard[shard] = append(byShard[shard], name)
	}
	shards := make([]string, 0, len(byShard))
	for s := range byShard {
		shards = append(shards, s)
	}
	sort.Strings(shards)
	for _, shard := range shards {
		path := filepath.Join(filepath.Dir(index), shard)
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s lists shard %s, which is not there", index, shard)
		}
		f, err := p.open(path)
		if err != nil {
			return err
		}
		names := byShard[shard]
		sort.Strings(names)
		for _, n := range names {
			if _, ok := f.Info(n); !ok {
				return fmt.Errorf("%s: tensor %q is listed in shard %s, which does not hold it", index, n, shard)
			}
		}
		if err := p.addFile(path, kind, names); err != nil {
			return err
		}
	}
	return nil
}
