package loader

import (
	"errors"
	"fmt"
)

// inferConfigs works out each component's configuration, the variant and
// the text length.
func (m *Model) inferConfigs(configs map[string]compConfig) error {
	var errs []error
	var err error
	if m.Flux != nil {
		if m.FluxConfig, err = FluxConfigOf(m.Flux); err != nil {
			errs = append(errs, err)
		}
		m.Variant = "schnell"
		if m.Flux.Has("guidance_in.in_layer.weight") {
			m.Variant = "dev"
		}
	}
	if m.AE != nil {
		if m.AEConfig, err = AEConfigOf(m.AE); err != nil {
			errs = append(errs, err)
		}
	}
	if m.CLIP != nil {
		if m.CLIPConfig, err = CLIPConfigOf(m.CLIP); err != nil {
			errs = append(errs, err)
		}
	}
	if m.T5 != nil {
		if m.T5Config, err = T5ConfigOf(m.T5); err != nil {
			errs = append(errs, err)
		}
	}
	m.MaxSequenceLength = 256
	if m.Variant == "dev" {
		m.MaxSequenceLength = 512
	}
	for _, c := range []cfg{configs[KindFlux].whole, configs[KindFlux].conf} {
		if v, ok := c.int("max_sequence_length"); ok && v > 0 {
			m.MaxSequenceLength = v
		}
	}
	if m.Scheduler.Source == "" {
		m.Scheduler = defaultScheduler(m.Variant)
	}
	return errors.Join(errs...)
}

// checkCompatible checks that the components fit together: CLIP's width
// is the transformer's vec_in_dim, T5's d_model its context_in_dim, and the
// latent channels pack 2x2 into its input.
func (m *Model) checkCompatible() error {
	if m.Flux == nil {
		return nil
	}
	fc := m.FluxConfig
	var errs []error
	if m.CLIP != nil && m.CLIPConfig.Hidden != fc.VecInDim {
		errs = append(errs, fmt.Errorf("CLIP width %d does not match the transformer's vec_in_dim %d (%s; --clip-l)",
			m.CLIPConfig.Hidden, fc.VecInDim, m.CLIP.Paths()[0]))
	}
	if m.T5 != nil && m.T5Config.DModel != fc.ContextInDim {
		errs = append(errs, fmt.Errorf("T5 d_model %d does not match the transformer's context_in_dim %d (%s; --t5xxl)",
			m.T5Config.DModel, fc.ContextInDim, m.T5.Paths()[0]))
	}
	if m.AE != nil && (4*m.AEConfig.ZChannels != fc.InChannels || 4*m.AEConfig.ZChannels != fc.OutChannels) {
		errs = append(errs, fmt.Errorf("autoencoder latent channels %d (x4 = %d) do not match the transformer's in/out channels %d/%d (%s; --vae)",
			m.AEConfig.ZChannels, 4*m.AEConfig.ZChannels, fc.InChannels, fc.OutChannels, m.AE.Paths()[0]))
	}
	return errors.Join(errs...)
}
