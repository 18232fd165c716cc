"""Data (paper Sec. 3): ImageNet subset manifests (manifests) and image loading, transforms and caches (images)."""
