"""Networks: CORnet-S, ResNet-50, MobileNet v1, the pixels baseline, the registry and checkpoints."""
