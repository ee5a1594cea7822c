package loader

// The external tests (package loader_test) lay diffusers folders out with
// loader/loadertest, which imports loader, so an internal test cannot use
// it; these names share the internal test helpers with them.
const GoldenDir = goldenDir

var (
	Golden        = golden
	ReadTensors   = readTensors
	WriteTensors  = write
	LoadOne       = loadOne
	SameTensors   = sameTensors
	EqualFlux     = equalFlux
	MetaParams    = metaParams
	PipelineParts = pipelineParts
	Fmtv          = fmtv
	Thousands     = thousands
	FileSHA256    = fileSHA256
)
