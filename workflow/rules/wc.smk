# Weight compression (paper Sec. 4, Fig. 2, 7): fit WC distributions, sample at-birth models, WC vs KN statistics.
