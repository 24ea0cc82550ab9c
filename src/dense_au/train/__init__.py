"""Training loop, checkpoints, resume, logging and DDP."""

from dense_au.train.config import DataConfig, LossConfig, OptimConfig, TrainConfig
from dense_au.train.loop import TrainingDiverged, load_trained, train

__all__ = ["TrainConfig", "DataConfig", "LossConfig", "OptimConfig", "train", "load_trained",
           "TrainingDiverged"]
