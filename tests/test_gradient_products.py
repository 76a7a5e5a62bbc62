"""The grouped matrix–vector product of the chain rule against einsum, and its torch gradient."""

import numpy as np
import pytest

from atomforge.gradient_products import grouped_matvec


def test_numpy_product_equals_einsum():
    rng = np.random.default_rng(0)
    grad, u = rng.standard_normal((7, 12, 5)), rng.standard_normal((7, 5))
    np.testing.assert_allclose(grouped_matvec(grad, u), np.einsum("irk,ik->ir", grad, u), rtol=1e-13, atol=1e-13)


def test_torch_product_and_its_gradient_in_u():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    grad = torch.from_numpy(rng.standard_normal((6, 9, 4)))
    u = torch.from_numpy(rng.standard_normal((6, 4))).requires_grad_(True)
    np.testing.assert_allclose(grouped_matvec(grad, u).detach().numpy(),
                               np.einsum("irk,ik->ir", grad.numpy(), u.detach().numpy()), rtol=1e-13, atol=1e-13)
    assert torch.autograd.gradcheck(lambda x: grouped_matvec(grad, x), (u,), eps=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="grad must be data"):
        grouped_matvec(grad.clone().requires_grad_(True), u)
