"""Topic and tone of South Asian news headlines: TF-IDF features and linear models."""

__version__ = "0.1.0"
