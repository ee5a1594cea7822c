package loader

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// cfg is a decoded JSON configuration (diffusers config.json, the
// "params"/"hf_config" object of a golden file's metadata).
type cfg map[string]any

func (c cfg) num(keys ...string) (float64, bool) {
	for _, k := range keys {
		if v, ok := c[k].(float64); ok {
			return v, true
		}
	}
	return 0, false
}

func (c cfg) int(keys ...string) (int, bool) {
	v, ok := c.num(keys...)
	return int(v), ok && v == float64(int(v))
}

func (c cfg) ints(keys ...string) ([]int, bool) {
	for _, k := range keys {
		arr, ok := c[k].([]any)
		if !ok {
			continue
		}
		out := make([]int, len(arr))
		for i, v := range arr {
			f, ok := v.(float64)
			if !ok || f != float64(int(f)) {
				return nil, false
			}
			out[i] = int(f)
		}
		return out, true
	}
	return nil, false
}

func (c cfg) str(keys ...string) (string, bool) {
	for _, k := range keys {
		if v, ok := c[k].(string); ok {
			return v, true
		}
	}
	return "", false
}

func (c cfg) bool(keys ...string) (bool, bool) {
	for _, k := range keys {
		if v, ok := c[k].(bool); ok {
			return v, true
		}
	}
	return false, false
}

// readJSONFile decodes a JSON object file.
func readJSONFile(path string) (cfg, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m cfg
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%s: not a JSON object: %v", path, err)
	}
	return m, nil
}

// metadataConfig extracts a component configuration from a file's
// __metadata__["config"]: its "params" (BFL FluxParams/AutoEncoderParams)
// or "hf_config" (transformers config) object, else the object itself.
// The whole object is returned too (max_sequence_length may sit there).
func metadataConfig(f *File) (component, whole cfg) {
	s := f.Metadata()["config"]
	if s == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(s), &whole); err != nil || whole == nil {
		return nil, nil
	}
	for _, k := range []string{"params", "hf_config"} {
		if sub, ok := whole[k].(map[string]any); ok {
			return cfg(sub), whole
		}
	}
	return whole, whole
}

// metadataKind says which component a metadata configuration describes,
// from its "component" or "kind" entry ("flux", "ae_decoder", "clip_l",
// "t5_encoder", ...); "" when it does not say. A file holding several
// components applies its configuration only to the one it names.
func metadataKind(whole cfg) string {
	v, _ := whole.str("component", "kind")
	for _, k := range []struct{ prefix, kind string }{{"flux", KindFlux}, {"ae", KindAE}, {"clip", KindCLIP}, {"t5", KindT5}} {
		if strings.HasPrefix(v, k.prefix) {
			return k.kind
		}
	}
	return ""
}
