"""Evaluation of frozen features: AU measurement, linear probe, kNN, segmentation probe, mIoU."""

from dense_au.evaluate.miou import confusion_matrix, iou_per_class, miou, pixel_accuracy

__all__ = ["confusion_matrix", "iou_per_class", "miou", "pixel_accuracy"]
