"""The only code that knows XML, signatures, AES and platform HTTP APIs (through wechatpy)."""
