"""dense-au: alignment and uniformity of dense contrastive representations."""

__version__ = "0.1.0"
