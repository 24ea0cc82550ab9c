"""dense-au's DenseCL step against an equivalent step assembled from `lightly`, same run.

Same backbone (the quick config's ResNet-18 at 1/4 width), batch, resolution, views, queue
length; the lightly step is its documented DenseCL recipe: DenseCLProjectionHead for both heads,
NTXentLoss with a memory bank for the global and the local loss, select_most_similar for the
dense positives, update_momentum for the key encoder. Target: dense-au images/s >= lightly's.
Run in the peer environment: `bash benchmarks/peer_env.sh`, then the command it prints.
"""

from __future__ import annotations

import copy

import torch
from _common import QuickStep, interleaved_times, median, parse_args, quick_config
from lightly.loss import NTXentLoss
from lightly.models import utils
from lightly.models.modules import DenseCLProjectionHead
from torch import nn


class LightlyDenseCL(nn.Module):
    def __init__(self, backbone: nn.Module, channels: int, queue: int):
        super().__init__()
        self.backbone = backbone
        self.head_global = DenseCLProjectionHead(channels, channels, 128)
        self.head_local = DenseCLProjectionHead(channels, channels, 128)
        self.backbone_m = copy.deepcopy(backbone)
        self.head_global_m = copy.deepcopy(self.head_global)
        self.head_local_m = copy.deepcopy(self.head_local)
        for m in (self.backbone_m, self.head_global_m, self.head_local_m):
            utils.deactivate_requires_grad(m)
        self.loss_global = NTXentLoss(memory_bank_size=(queue, 128))
        self.loss_local = NTXentLoss(memory_bank_size=(queue, 128))
        self.opt = torch.optim.SGD([p for n, p in self.named_parameters() if not n.endswith("_m")], lr=0.06,
                                   momentum=0.9, weight_decay=1e-4)

    @staticmethod
    def encode(backbone, head_g, head_l, x):
        f = backbone(x)
        g = head_g(f.mean(dim=(2, 3)))
        f = f.flatten(2).permute(0, 2, 1)
        return f, g, head_l(f)

    def step(self, x_q: torch.Tensor, x_k: torch.Tensor) -> None:
        for src, dst in ((self.backbone, self.backbone_m), (self.head_global, self.head_global_m),
                         (self.head_local, self.head_local_m)):
            utils.update_momentum(src, dst, m=0.99)
        fq, gq, lq = self.encode(self.backbone, self.head_global, self.head_local, x_q)
        with torch.no_grad():
            fk, gk, lk = self.encode(self.backbone_m, self.head_global_m, self.head_local_m, x_k)
        lk = utils.select_most_similar(fq, fk, lk)
        loss = 0.5 * (self.loss_global(gq, gk) + self.loss_local(lq.flatten(end_dim=1), lk.flatten(end_dim=1)))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


def main() -> None:
    args = parse_args(__doc__)
    ours = QuickStep(quick_config(f"batch_size={args.batch}", "loss.strategy=feature"))
    v1, v2 = ours.views(torch.rand(args.batch, 3, 64, 64))
    peer_backbone = copy.deepcopy(ours.model.query.backbone)
    peer = LightlyDenseCL(peer_backbone, peer_backbone.out_channels, ours.cfg.model.queue_size)
    t_ours, t_peer = interleaved_times([lambda: ours.full(v1, v2), lambda: peer.step(v1.pixels, v2.pixels)],
                                       repeats=25)
    speedup = median([p / o for o, p in zip(t_ours, t_peer)])  # our images/s over lightly's, per round
    print(f"dense-au {args.batch / median(t_ours):.0f} img/s, lightly {args.batch / median(t_peer):.0f} img/s "
          f"(medians), paired speed ratio {speedup:.2f} (target >= 1.0: {'PASS' if speedup >= 1 else 'FAIL'})")


if __name__ == "__main__":
    main()
