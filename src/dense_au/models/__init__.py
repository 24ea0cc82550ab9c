"""Backbone (torchvision ResNet), heads, momentum encoder and queues."""

from dense_au.models.backbone import Backbone, BackboneConfig
from dense_au.models.densecl import DenseContrastiveModel, Encoded, Encoder, ModelConfig
from dense_au.models.heads import DenseHead, GlobalHead
from dense_au.models.queue import KeyQueue

__all__ = ["Backbone", "BackboneConfig", "DenseContrastiveModel", "Encoded", "Encoder",
           "ModelConfig", "DenseHead", "GlobalHead", "KeyQueue"]
