"""A minimal GGUF v3 writer: just what a llama-architecture F32 model with an SPM tokenizer needs.

Written by hand because Debian has no gguf package and the tool must run offline. Format reference: the GGUF spec
in the ggml repository (header, typed key/value metadata, tensor infos, 32-byte aligned tensor data).
"""
import struct

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
ALIGNMENT = 32

UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64 = 4, 5, 6, 7, 8, 9, 10
GGML_TYPE_F32 = 0


def _string(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _value(kind: int, value) -> bytes:
    if kind == UINT32:
        return struct.pack("<I", value)
    if kind == INT32:
        return struct.pack("<i", value)
    if kind == FLOAT32:
        return struct.pack("<f", value)
    if kind == BOOL:
        return struct.pack("<?", value)
    if kind == STRING:
        return _string(value)
    if kind == UINT64:
        return struct.pack("<Q", value)
    raise ValueError(f"unsupported GGUF value type {kind}")


class GgufWriter:
    """Collects metadata and F32 tensors, then writes one GGUF file."""

    def __init__(self):
        self.metadata = []  # (key, type, value, element type for arrays)
        self.tensors = []  # (name, numpy float32 array in row-major order, GGUF dims innermost first)

    def add(self, key: str, kind: int, value):
        self.metadata.append((key, kind, value, None))

    def add_array(self, key: str, element_kind: int, values):
        self.metadata.append((key, ARRAY, list(values), element_kind))

    def add_tensor(self, name: str, array):
        """Adds a float32 array; GGUF lists dimensions innermost first, the reverse of numpy's shape."""
        if array.dtype.name != "float32":
            raise ValueError(f"{name}: only float32 tensors are supported")
        self.tensors.append((name, array, list(reversed(array.shape))))

    def write(self, path: str):
        out = bytearray()
        out += GGUF_MAGIC + struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(self.metadata))
        for key, kind, value, element_kind in self.metadata:
            out += _string(key) + struct.pack("<I", kind)
            if kind == ARRAY:
                out += struct.pack("<IQ", element_kind, len(value))
                for item in value:
                    out += _value(element_kind, item)
            else:
                out += _value(kind, value)
        offset = 0
        for name, array, dims in self.tensors:
            out += _string(name) + struct.pack("<I", len(dims))
            for dim in dims:
                out += struct.pack("<Q", dim)
            out += struct.pack("<IQ", GGML_TYPE_F32, offset)
            offset += _aligned(array.nbytes)
        out += b"\0" * (_aligned(len(out)) - len(out))
        with open(path, "wb") as file:
            file.write(out)
            for _, array, _ in self.tensors:
                data = array.tobytes(order="C")
                file.write(data)
                file.write(b"\0" * (_aligned(len(data)) - len(data)))


def _aligned(size: int) -> int:
    return (size + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


def read_f32_tensors(path: str):
    """Reads back the (name, float32 array) tensors of an F32 GGUF file written by GgufWriter."""
    import numpy as np

    with open(path, "rb") as file:
        data = file.read()
    if data[:4] != GGUF_MAGIC:
        raise ValueError(f"{path} is not a GGUF file")
    position = 8
    tensor_count, kv_count = struct.unpack_from("<QQ", data, position)
    position += 16

    def read_string():
        nonlocal position
        (length,) = struct.unpack_from("<Q", data, position)
        position += 8 + length
        return data[position - length : position].decode("utf-8")

    sizes = {UINT32: 4, INT32: 4, FLOAT32: 4, BOOL: 1, UINT64: 8}

    def skip_value(kind):
        nonlocal position
        if kind == STRING:
            read_string()
        elif kind == ARRAY:
            element_kind, count = struct.unpack_from("<IQ", data, position)
            position += 12
            for _ in range(count):
                skip_value(element_kind)
        else:
            position += sizes[kind]

    for _ in range(kv_count):
        read_string()
        (kind,) = struct.unpack_from("<I", data, position)
        position += 4
        skip_value(kind)
    infos = []
    for _ in range(tensor_count):
        name = read_string()
        (dims_count,) = struct.unpack_from("<I", data, position)
        position += 4
        dims = struct.unpack_from(f"<{dims_count}Q", data, position)
        position += 8 * dims_count
        kind, offset = struct.unpack_from("<IQ", data, position)
        position += 12
        if kind != GGML_TYPE_F32:
            raise ValueError(f"{name}: only F32 tensors can be read back")
        infos.append((name, list(reversed(dims)), offset))
    start = _aligned(position)
    tensors = []
    for name, shape, offset in infos:
        count = int(np.prod(shape))
        tensors.append((name, np.frombuffer(data, dtype=np.float32, count=count, offset=start + offset).reshape(shape).copy()))
    return tensors
