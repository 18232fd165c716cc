"""Weight compression (paper Sec. 4, App. B): distributions, fitting, the authors' files, sampling, transfer."""
