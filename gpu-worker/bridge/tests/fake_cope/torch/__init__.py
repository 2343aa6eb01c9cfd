"""Stand-in for the part of torch the CoPE-A bridge uses: tensors over numpy, no_grad, softmax, cuda."""
import contextlib

import numpy as np

bfloat16 = "bfloat16"
float16 = "float16"


class OutOfMemoryError(RuntimeError):
    pass


class Tensor:
    def __init__(self, array):
        self.array = np.asarray(array)

    def __getitem__(self, index):
        return Tensor(self.array[index])

    def float(self):
        return Tensor(self.array.astype(np.float32))

    def item(self):
        return self.array.item()

    def to(self, device):
        return self

    @property
    def shape(self):
        return self.array.shape


def tensor(data):
    return Tensor(data)


def stack(tensors):
    return Tensor(np.stack([t.array for t in tensors]))


def softmax(t, dim=-1):
    e = np.exp(t.array - np.max(t.array, axis=dim, keepdims=True))
    return Tensor(e / e.sum(axis=dim, keepdims=True))


def no_grad():
    return contextlib.nullcontext()


class cuda:  # noqa: N801 - the module's name in torch
    @staticmethod
    def is_available():
        return False

    @staticmethod
    def empty_cache():
        pass
