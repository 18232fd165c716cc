"""Data (paper Sec. 3): ImageNet-layout data roots (imagefolder), subset manifests (manifests) and image loading,
transforms and caches (images)."""
