# Critical / downstream training, hyper-parameter variants and the WC+CT grid (paper Sec. 5-6, Fig. 3, 4, 6, 8, 9).
