package loader

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// entry is one stored tensor assigned to a component.
type entry struct {
	file *File
	full string // name in the file
	bare string // name without a component prefix
}

// buildComponent gathers the entries of one component (from one or more
// files) and maps them onto the internal naming.
func buildComponent(kind string, entries []entry) (*Component, error) {
	c := &Component{Kind: kind, recipes: map[string]recipe{}}
	stored, err := c.gather(entries)
	if err != nil {
		return nil, err
	}
	if c.Style, err = detectStyle(kind, stored); err != nil {
		return nil, err
	}
	switch {
	case kind == KindFlux && c.Style == StyleDiffusers:
		err = c.mapFluxDiffusers(stored)
	case kind == KindAE && c.Style == StyleDiffusers:
		err = c.mapVAEDiffusers(stored)
	default:
		err = c.mapIdentity(stored)
	}
	if err != nil {
		return nil, err
	}
	if len(c.recipes) == 0 {
		return nil, fmt.Errorf("%s: no usable tensors in %s", kind, strings.Join(c.Paths(), ", "))
	}
	c.finish()
	return c, nil
}

// gather indexes the entries by bare name, refusing a name stored twice,
// and pairs fp8 weights with their scales (which are then consumed).
func (c *Component) gather(entries []entry) (map[string]source, error) {
	stored := map[string]source{}
	seenFile := map[*File]bool{}
	for _, e := range entries {
		if !seenFile[e.file] {
			seenFile[e.file] = true
			c.Files = append(c.Files, e.file)
		}
		if isScaleName(e.bare) {
			continue
		}
		if prev, dup := stored[e.bare]; dup {
			return nil, fmt.Errorf("%s: tensor %q is in both %s and %s; keep one of the files or name one with %s",
				c.Kind, e.bare, prev.file.Path, e.file.Path, componentFlags[c.Kind][0])
		}
		s := source{file: e.file, name: e.full}
		if info, _ := e.file.Info(e.full); info.DType == F8_E4M3 || info.DType == F8_E5M2 {
			for _, sn := range scaleNamesFor(e.full) {
				if _, ok := e.file.Info(sn); ok {
					s.scale = sn
				}
			}
		}
		stored[e.bare] = s
	}
	return stored, nil
}

func detectStyle(kind string, stored map[string]source) (string, error) {
	styles := map[string]string{}
	for bare := range stored {
		if _, _, st := classify(bare); st != "" {
			styles[st] = bare
		}
	}
	if len(styles) > 1 {
		var parts []string
		for st, example := range styles {
			parts = append(parts, fmt.Sprintf("%q is %s", example, st))
		}
		sort.Strings(parts)
		return "", fmt.Errorf("%s: mixes naming styles: %s", kind, strings.Join(parts, ", "))
	}
	for st := range styles {
		return st, nil
	}
	if kind == KindCLIP || kind == KindT5 {
		return StyleHF, nil
	}
	return StyleBFL, nil
}

// mapIdentity keeps the stored names (BFL flux/ae, transformers clip/t5).
func (c *Component) mapIdentity(stored map[string]source) error {
	for bare, s := range stored {
		name := bare
		switch {
		case c.Kind == KindCLIP && strings.HasSuffix(bare, "embeddings.position_ids"):
			c.Unused = append(c.Unused, bare) // a buffer (0..76), not a weight
			continue
		case c.Kind == KindT5 && bare == "encoder.embed_tokens.weight":
			if _, ok := stored["shared.weight"]; ok {
				continue // tied to shared.weight
			}
			name = "shared.weight"
		}
		r, err := newRecipe([]source{s}, false)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Kind, err)
		}
		if c.Kind == KindAE && isMidAttnConv(name) && len(r.shape) == 2 {
			if r, err = r.withShape([]int{r.shape[0], r.shape[1], 1, 1}); err != nil {
				return fmt.Errorf("%s: %w", c.Kind, err)
			}
		}
		c.recipes[name] = r
	}
	return nil
}

func (c *Component) mapFluxDiffusers(stored map[string]source) error {
	used := map[string]bool{}
	rules := fluxDiffusersRules(countBlocks(stored, "transformer_blocks."), countBlocks(stored, "single_transformer_blocks."))
	for _, rule := range rules {
		var parts []source
		var missing []string
		for _, p := range rule.parts {
			if s, ok := stored[p]; ok {
				parts = append(parts, s)
			} else {
				missing = append(missing, p)
			}
		}
		if len(parts) == 0 {
			continue
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s: %s needs %s, missing %s", c.Kind, rule.internal, strings.Join(rule.parts, ", "), strings.Join(missing, ", "))
		}
		r, err := newRecipe(parts, rule.swap)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", c.Kind, rule.internal, err)
		}
		c.recipes[rule.internal] = r
		for _, p := range rule.parts {
			used[p] = true
		}
	}
	for bare := range stored {
		if !used[bare] {
			c.Unused = append(c.Unused, bare)
		}
	}
	return nil
}

func (c *Component) mapVAEDiffusers(stored map[string]source) error {
	names := make([]string, 0, len(stored))
	for bare := range stored {
		names = append(names, bare)
	}
	levels := upLevels(names)
	for bare, s := range stored {
		bfl, ok := vaeDiffusersToBFL(bare, levels)
		if !ok {
			c.Unused = append(c.Unused, bare)
			continue
		}
		r, err := newRecipe([]source{s}, false)
		if err == nil && isMidAttnConv(bfl) && len(r.shape) == 2 {
			r, err = r.withShape([]int{r.shape[0], r.shape[1], 1, 1})
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c.Kind, err)
		}
		c.recipes[bfl] = r
	}
	return nil
}

// countBlocks is one more than the largest block index under prefix.
func countBlocks(stored map[string]source, prefix string) int {
	n := 0
	for bare := range stored {
		if rest, ok := strings.CutPrefix(bare, prefix); ok {
			if i, err := strconv.Atoi(strings.SplitN(rest, ".", 2)[0]); err == nil && i+1 > n {
				n = i + 1
			}
		}
	}
	return n
}

// blockIndices lists the distinct indices N of names prefix.N.*, sorted.
func blockIndices(names []string, prefix string) []int {
	seen := map[int]bool{}
	for _, n := range names {
		if rest, ok := strings.CutPrefix(n, prefix); ok {
			if i, err := strconv.Atoi(strings.SplitN(rest, ".", 2)[0]); err == nil {
				seen[i] = true
			}
		}
	}
	out := make([]int, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}
