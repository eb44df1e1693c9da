"""openimr: California workers' compensation Independent Medical Review, in the open."""

__version__ = "0.1.0"
