"""BrightRun's LoRA trainer: the program brightrun-agent starts for one training job."""

__version__ = "0.1.0"
