// Header-only: the declaration of libFuzzer's driver lives in include/CFuzzerDriver.h.
