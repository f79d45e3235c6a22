"""Question sets and the calibration scripts of qa, run as modules: `python -m eval.calibrate`."""
