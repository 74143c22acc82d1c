/** Messages between the training loop and its replicas in worker threads (see replica-worker.ts). */

/** One replica's share of a batch. */
export interface BatchPart {
  x: Float32Array;
  labels: Int32Array;
  /** Per-sample loss weights (the class weights of each sample's label). */
  sampleWeights: Float32Array;
  /** Seed of this share's random draws (the stability term's noise). */
  noiseSeed?: number;
  /** Soft targets (class probabilities, samples x classes) in place of the labels' one-hot vectors. */
  targets?: Float32Array;
  /** Semi-supervised consistency: the student's output on `inputs` is pulled towards `targets`. */
  consistency?: ConsistencyTerm;
}

/**
 * A consistency term (mean teacher: squared error to the teacher's probabilities on a differently noised copy;
 * VAT: KL from the clean prediction to the prediction at the virtual adversarial point), on every sample,
 * labelled or not.
 */
export interface ConsistencyTerm {
  inputs: Float32Array;
  targets: Float32Array;
  kind: 'mse' | 'kl';
  weight: number;
}

/**
 * Stability training (Zheng et al. 2016): alpha * KL(f(x) || f(x + N(0, sigma^2))) added to the loss, so that
 * small input noise changes neither the prediction nor, in practice, the attributions much.
 */
export interface StabilityTerm {
  alpha: number;
  sigma: number;
  /**
   * Per sample: 1 where the noise may change a value, 0 on a context tail (perturbableMask); an ECG beat's R-R
   * intervals are what the heart did, so the noise leaves them alone as the attack and noise suites do.
   */
  mask?: Float32Array;
}

export type ReplicaRequest =
  | { type: 'init'; topology: object; sampleShape: number[]; classes: number }
  /** Inference: set the weights once, then predict shares of batches. */
  | { type: 'load'; weights: Float32Array[] }
  | { type: 'predict'; x: Float32Array }
  | (BatchPart & {
      type: 'step';
      /** Every weight of the model (model.weights order), as the main thread has it now. */
      weights: Float32Array[];
      /** 1 / (size of the whole batch), so that the replicas' gradients add up to the batch's. */
      scale: number;
      stability?: StabilityTerm;
    });

export type ReplicaReply =
  | { type: 'ready' }
  | { type: 'gradients'; loss: number; gradients: Float32Array[] }
  | { type: 'probabilities'; values: Float32Array }
  | { type: 'error'; message: string };
