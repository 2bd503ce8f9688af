"""Weight averaging: validate, stop early and save with the averaged weights.

Why: on the small validation splits of medical datasets the validation AUC of a from-scratch
network swings from epoch to epoch (0.57 to 0.86 between neighbouring epochs of one BreastMNIST
run, 78 validation images). Part of that swing is the sampling noise of 78 images, part is the
noise of the last few hundred optimizer steps: each epoch's weights are one noisy point of a
trajectory. An exponential moving average of the weights over the last ~100 steps (Polyak
averaging, as timm and the EfficientNet training keep one) removes the second part, so early
stopping compares models rather than step noise, and the averaged weights are the ones that
tend to generalise better (Izmailov et al. 2018, "Averaging weights leads to wider optima").
Keras averages only the trainable weights; BatchNorm's moving statistics are averages of their
own, so a recipe that averages should let them follow the same window (``batchnorm_momentum`` =
``ema_momentum``, as the budget planner sets it; timm and the TF EfficientNet code average the
statistics with the weights), or the averaged weights are normalised with statistics of the
last few raw steps.

Keras does the averaging (``use_ema`` on the optimizer, :func:`models.make_optimizer`) and the
swapping (``keras.callbacks.SwapEMAWeights(swap_on_epoch=True)``): from each epoch's end to the
next epoch's start the model holds the averaged weights, so validation, the validation AUC,
early stopping's best weights and the resume checkpoint all see them. This module adds only
what Keras leaves to the caller:

- the swap callback must come before every callback that reads the weights at an epoch's end
  (the engine puts it first);
- a resumed run starts from a checkpoint saved at an epoch's end, i.e. with the averaged weights
  in the model and the raw ones in the optimizer's slot, so its swap callback must know that
  at the first epoch's start, or training would continue from the average. It tells by the
  optimizer's step counter, restored with the checkpoint before any epoch begins: a fresh run
  is at step 0 (where the optimizer's slot does not hold weights yet, so swapping would be
  wrong too);
- a run that stops before its last epoch ends with the raw weights in the model (Keras' final
  copy takes the optimizer's slot, which holds them then); every run with averaging that can stop
  early keeps early stopping's best (averaged) weights, which Keras restores after that copy.
  Budget runs always have early stopping; a recipe without it runs all its epochs, where the
  swap callback finalises the average itself.
"""

from __future__ import annotations

import keras


class AveragedWeights(keras.callbacks.SwapEMAWeights):
    """``SwapEMAWeights(swap_on_epoch=True)`` that knows whether it starts from a checkpoint."""

    def __init__(self) -> None:
        super().__init__(swap_on_epoch=True)
        self._first_epoch = True

    def on_train_begin(self, logs=None):
        self._first_epoch = True

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch:
            self._first_epoch = False
            steps = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
            self._ema_weights_in_model = steps > 0  # restored from an epoch-end checkpoint
        super().on_epoch_begin(epoch, logs)


def averaging_callbacks(recipe) -> list:
    """``[AveragedWeights]`` when the recipe averages weights, else ``[]``; put it first."""
    return [AveragedWeights()] if recipe.ema_momentum is not None else []


__all__ = ["AveragedWeights", "averaging_callbacks"]
