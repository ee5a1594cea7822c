package loader

import (
	"fmt"
	"os"
)

// SchedulerConfig is the flow-matching schedule of the checkpoint
// (diffusers FlowMatchEulerDiscreteScheduler fields). Without a scheduler
// folder it follows the variant: schnell unshifted, dev with the
// resolution-dependent shift (base 0.5 at 256 tokens, 1.15 at 4096).
type SchedulerConfig struct {
	Shift              float64
	UseDynamicShifting bool
	BaseShift          float64
	MaxShift           float64
	BaseImageSeqLen    int
	MaxImageSeqLen     int
	Source             string // the file it came from, "" for defaults
}

func defaultScheduler(variant string) SchedulerConfig {
	return SchedulerConfig{Shift: 1, UseDynamicShifting: variant == "dev", BaseShift: 0.5, MaxShift: 1.15,
		BaseImageSeqLen: 256, MaxImageSeqLen: 4096}
}

// readSchedulerConfig reads scheduler_config.json; a missing file gives a
// zero config (filled from the variant later).
func readSchedulerConfig(path string) (SchedulerConfig, error) {
	conf, err := readJSONFile(path)
	if os.IsNotExist(err) {
		return SchedulerConfig{}, nil
	}
	if err != nil {
		return SchedulerConfig{}, err
	}
	s := defaultScheduler("schnell")
	s.Source = path
	if v, ok := conf.num("shift"); ok {
		s.Shift = v
	}
	if v, ok := conf.bool("use_dynamic_shifting"); ok {
		s.UseDynamicShifting = v
	}
	if v, ok := conf.num("base_shift"); ok {
		s.BaseShift = v
	}
	if v, ok := conf.num("max_shift"); ok {
		s.MaxShift = v
	}
	if v, ok := conf.int("base_image_seq_len"); ok {
		s.BaseImageSeqLen = v
	}
	if v, ok := conf.int("max_image_seq_len"); ok {
		s.MaxImageSeqLen = v
	}
	if s.BaseImageSeqLen >= s.MaxImageSeqLen && s.UseDynamicShifting {
		return s, fmt.Errorf("%s: base_image_seq_len %d must be below max_image_seq_len %d", path, s.BaseImageSeqLen, s.MaxImageSeqLen)
	}
	return s, nil
}
