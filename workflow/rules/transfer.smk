# Transfer of WC+CT to ResNet-50 and MobileNet (paper Sec. 6, Fig. 5).
