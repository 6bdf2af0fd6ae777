"""Networks: the perception net, the inpainter registry (sttn, ...), the T-PatchGAN
discriminator, and `Remover`, which chains perception -> inpainter for stage 2."""
