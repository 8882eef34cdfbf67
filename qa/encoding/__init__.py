"""The sentence encoder: its protocol and the torch one (``encoder``), the ONNX one used by
default (``onnx_encoder``), and where the packaged model is found (``model_source``).
"""
