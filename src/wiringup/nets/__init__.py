"""Networks: CORnet-S, ResNet-50, MobileNet v1, the pixels baseline, the architecture registry, trained-layer sets
and parameter accounting, and checkpoints."""
