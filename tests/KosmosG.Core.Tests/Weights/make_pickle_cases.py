"""Regenerates the pickles in TorchCheckpointCraftedTests.cs (python3, no torch needed).

Fake `torch` modules stand in for the real ones so that pickle writes the same GLOBALs, persistent ids and
rebuild calls as torch.save; the tests add the storage bytes and zip them like torch.save does.
"""
import base64, collections, io, pickle, sys, types

torch = types.ModuleType("torch"); torch_utils = types.ModuleType("torch._utils")
sys.modules.update({"torch": torch, "torch._utils": torch_utils})
for name in ["FloatStorage", "BFloat16Storage", "LongStorage", "BoolStorage", "DoubleStorage"]:
    setattr(torch, name, type(name, (), {"__module__": "torch"}))

def _rebuild_tensor_v2(*args): pass
def _rebuild_parameter(*args): pass
for f in (_rebuild_tensor_v2, _rebuild_parameter):
    f.__module__ = "torch._utils"; setattr(torch_utils, f.__name__, f)

class Storage:
    def __init__(self, cls, key, numel): self.cls, self.key, self.numel = cls, key, numel

class Tensor:
    def __init__(self, storage, offset, size, stride): self.args = (storage, offset, size, stride, False, collections.OrderedDict())
    def __reduce_ex__(self, proto): return (_rebuild_tensor_v2, self.args)

class Parameter:
    def __init__(self, data): self.data = data
    def __reduce_ex__(self, proto): return (_rebuild_parameter, (self.data, True, collections.OrderedDict()))

class UnknownConfig:  # pickled by reference to a module the reader cannot know
    __module__ = "private_cfg"
    def __init__(self): self.lr = 0.5; self.tags = {"a", "b"}; self.frozen = frozenset([1]); self.blob = b"\x00\xff"; self.big = 2**70; self.nested = (1, (2.5, None), [True])

class KwOnly:  # __getnewargs_ex__ makes protocol 4 emit NEWOBJ_EX
    __module__ = "private_cfg"
    def __getnewargs_ex__(self): return ((), {"size": 3})

private = types.ModuleType("private_cfg"); private.UnknownConfig = UnknownConfig; private.KwOnly = KwOnly
sys.modules["private_cfg"] = private

class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        return ("storage", obj.cls, obj.key, "cpu", obj.numel) if isinstance(obj, Storage) else None

def dump(obj, protocol):
    buf = io.BytesIO(); Pickler(buf, protocol=protocol).dump(obj); return base64.b64encode(buf.getvalue()).decode()

f32 = Storage(torch.FloatStorage, "0", 12)
model = collections.OrderedDict([
    ("w", Tensor(f32, 0, (3, 4), (4, 1))),
    ("w_t", Tensor(f32, 0, (4, 3), (1, 4))),
    ("row", Tensor(f32, 4, (4,), (1,))),
    ("param", Parameter(Tensor(f32, 8, (2, 2), (2, 1)))),
    ("bf", Tensor(Storage(torch.BFloat16Storage, "1", 4), 0, (4,), (1,))),
    ("ids", Tensor(Storage(torch.LongStorage, "2", 3), 0, (3,), (1,))),
    ("mask", Tensor(Storage(torch.BoolStorage, "3", 2), 0, (2,), (1,))),
    ("dbl", Tensor(Storage(torch.DoubleStorage, "4", 2), 0, (1, 2), (2, 1))),
])
print("fairseq_like_p4 =", dump({"cfg": UnknownConfig(), "kw": KwOnly(), "model": model, "extra": {None: 1, (1, 2): "t"}}, 4))
print("plain_p5 =", dump(collections.OrderedDict([("only", Tensor(f32, 0, (12,), (1,)))]), 5))
print("bytes_p2 =", dump({"model": collections.OrderedDict(), "blob": b"\x01\x02\xfe"}, 2))
