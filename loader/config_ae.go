package loader

import "fmt"

// AEConfig is the autoencoder configuration (BFL AutoEncoderParams).
type AEConfig struct {
	Ch                       int
	ChMult                   []int
	NumResBlocks, ZChannels  int
	InChannels, OutCh        int
	ScaleFactor, ShiftFactor float64
	HasEncoder, HasDecoder   bool
	// SampleSize is the picture side the autoencoder was made for, from a
	// diffusers config's sample_size (1024 for FLUX.1, 64 for the demo
	// model); 0 when the configuration does not say.
	SampleSize int
}

// Downsample is how many pixels one latent element spans along each side: the encoder halves the
// picture at every level but the last (8 for FLUX.1's four levels), diffusers' vae_scale_factor.
func (ac AEConfig) Downsample() int {
	if len(ac.ChMult) == 0 {
		return 8
	}
	return 1 << (len(ac.ChMult) - 1)
}

// FLUX.1 latent normalisation, used when no configuration gives it.
const (
	defaultScaleFactor = 0.3611
	defaultShiftFactor = 0.1159
)

// AEConfigOf infers the autoencoder configuration from tensor shapes
// (encoder, decoder or both); scale and shift factors come from the
// configuration (scale_factor / scaling_factor, shift_factor), else FLUX.1's;
// the sample size from sample_size, else 0.
func AEConfigOf(c *Component) (AEConfig, error) {
	var ac AEConfig
	if c == nil || c.Kind != KindAE {
		return ac, fmt.Errorf("not an autoencoder component")
	}
	ac.HasEncoder, ac.HasDecoder = c.Has("encoder.conv_in.weight"), c.Has("decoder.conv_in.weight")
	if !ac.HasEncoder && !ac.HasDecoder {
		return ac, fmt.Errorf("%s: neither encoder.conv_in.weight nor decoder.conv_in.weight", c.Kind)
	}
	var err error
	if ac.HasDecoder {
		err = ac.inferDecoder(c)
	}
	if err == nil && ac.HasEncoder {
		err = ac.inferEncoder(c)
	}
	if err != nil {
		return ac, err
	}
	conf := cfg(c.Config)
	ac.ScaleFactor, ac.ShiftFactor = defaultScaleFactor, defaultShiftFactor
	if v, ok := conf.num("scale_factor", "scaling_factor"); ok {
		ac.ScaleFactor = v
	}
	if v, ok := conf.num("shift_factor"); ok {
		ac.ShiftFactor = v
	}
	if v, ok := conf.num("sample_size"); ok {
		ac.SampleSize = int(v)
	}
	return ac, nil
}

func (ac *AEConfig) inferDecoder(c *Component) error {
	in, err := c.shapeOf("decoder.conv_in.weight", 4)
	if err != nil {
		return err
	}
	out, err := c.shapeOf("decoder.conv_out.weight", 4)
	if err != nil {
		return err
	}
	ac.ZChannels, ac.OutCh, ac.Ch = in[1], out[0], out[1]
	ac.InChannels = ac.OutCh
	levels := blockIndices(c.names, "decoder.up.")
	mult, err := levelMults(c, "decoder.up.%d.block.0.conv1.weight", len(levels), ac.Ch)
	if err != nil {
		return err
	}
	ac.ChMult = mult
	ac.NumResBlocks = len(blockIndices(c.names, "decoder.up.0.block.")) - 1
	if ac.NumResBlocks < 1 {
		return fmt.Errorf("%s: decoder.up.0 has no resnet blocks", c.Kind)
	}
	return nil
}

func (ac *AEConfig) inferEncoder(c *Component) error {
	in, err := c.shapeOf("encoder.conv_in.weight", 4)
	if err != nil {
		return err
	}
	out, err := c.shapeOf("encoder.conv_out.weight", 4)
	if err != nil {
		return err
	}
	levels := blockIndices(c.names, "encoder.down.")
	mult, err := levelMults(c, "encoder.down.%d.block.0.conv2.weight", len(levels), in[0])
	if err != nil {
		return err
	}
	res := len(blockIndices(c.names, "encoder.down.0.block."))
	z := out[0] / 2
	if ac.HasDecoder && (in[0] != ac.Ch || z != ac.ZChannels || res != ac.NumResBlocks || fmt.Sprint(mult) != fmt.Sprint(ac.ChMult)) {
		return fmt.Errorf("%s: encoder (ch %d, ch_mult %v, %d res blocks, z %d) does not match the decoder (ch %d, ch_mult %v, %d res blocks, z %d)",
			c.Kind, in[0], mult, res, z, ac.Ch, ac.ChMult, ac.NumResBlocks, ac.ZChannels)
	}
	ac.Ch, ac.ChMult, ac.NumResBlocks, ac.ZChannels, ac.InChannels = in[0], mult, res, z, in[1]
	if !ac.HasDecoder {
		ac.OutCh = in[1]
	}
	return nil
}

// levelMults reads each level's channel multiplier from the output width
// of one of its convolutions.
func levelMults(c *Component, pattern string, levels, ch int) ([]int, error) {
	if levels == 0 || ch == 0 {
		return nil, fmt.Errorf("%s: no resolution levels", c.Kind)
	}
	mult := make([]int, levels)
	for i := range mult {
		sh, err := c.shapeOf(fmt.Sprintf(pattern, i), 4)
		if err != nil {
			return nil, err
		}
		if sh[0]%ch != 0 {
			return nil, fmt.Errorf("%s: level %d has %d channels, not a multiple of %d", c.Kind, i, sh[0], ch)
		}
		mult[i] = sh[0] / ch
	}
	return mult, nil
}
