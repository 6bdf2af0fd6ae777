"""Networks: the perception net, the inpainter registry (sttn, cssta, opn, rnot), the
T-PatchGAN discriminator, CSSTA's IM2IM autoencoder, and `Remover`, which chains
perception -> inpainter for stage 2. Shared pieces live in blocks_*.py."""
