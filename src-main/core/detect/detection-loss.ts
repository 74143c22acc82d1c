import { tf } from '../engine/tf.js';
import { BOX_CHANNELS } from '../models/centernet-model.js';

export interface TargetTensors {
  heatmap: tf.Tensor4D;
  negativeWeight: tf.Tensor4D;
  box: tf.Tensor4D;
  boxMask: tf.Tensor4D;
  objects: number;
}

/**
 * CenterNet's loss on the model output [batch, h, w, classes + 4]:
 *   penalty-reduced focal loss on the heatmaps (alpha 2, beta 4): at peaks -(1-p)^2 log p, elsewhere
 *   -(1-y)^4 p^2 log(1-p), summed and divided by the number of objects;
 *   plus L1 on the centre offset and the log box size at the centre cells, divided by the same count.
 * log p and log(1-p) come from softplus of the logits, which stays finite where sigmoid saturates.
 * Call inside tf.tidy or tf.variableGrads.
 */
export function centernetLoss(output: tf.Tensor, t: TargetTensors, classes: number): tf.Scalar {
  const [b, h, w] = output.shape as [number, number, number, number];
  const logits = tf.slice(output, [0, 0, 0, 0], [b, h, w, classes]);
  const regression = tf.slice(output, [0, 0, 0, classes], [b, h, w, BOX_CHANNELS]);
  const p = tf.sigmoid(logits);
  const logP = tf.neg(tf.softplus(tf.neg(logits)));
  const logNotP = tf.neg(tf.softplus(logits));
  const peak = tf.cast(tf.equal(t.heatmap, 1), 'float32');
  const positive = tf.mul(tf.mul(tf.square(tf.sub(1, p)), logP), peak);
  const negative = tf.mul(tf.mul(tf.square(p), logNotP), t.negativeWeight);
  const focal = tf.neg(tf.sum(tf.add(positive, negative)));
  const l1 = tf.sum(tf.mul(tf.abs(tf.sub(regression, t.box)), t.boxMask));
  return tf.div(tf.add(focal, l1), Math.max(1, t.objects)) as tf.Scalar;
}

/**
 * Heatmap distillation: squared difference between the student's and the teacher's class probabilities over the
 * whole grid, with the teacher's box regression where the teacher sees an object (its probability as weight),
 * divided by the number of objects like the detection loss. The teacher's "dark knowledge" here is where it is
 * unsure (defect or intact?) and the shape of its peaks, which plain ground truth does not carry.
 */
export function heatmapDistillation(
  student: tf.Tensor,
  teacher: tf.Tensor,
  classes: number,
  objects: number,
): tf.Scalar {
  const [b, h, w] = student.shape as [number, number, number, number];
  const ps = tf.sigmoid(tf.slice(student, [0, 0, 0, 0], [b, h, w, classes]));
  const pt = tf.sigmoid(tf.slice(teacher, [0, 0, 0, 0], [b, h, w, classes]));
  const heat = tf.sum(tf.square(tf.sub(ps, pt)));
  const confidence = tf.max(pt, -1, true);
  const rs = tf.slice(student, [0, 0, 0, classes], [b, h, w, BOX_CHANNELS]);
  const rt = tf.slice(teacher, [0, 0, 0, classes], [b, h, w, BOX_CHANNELS]);
  const boxes = tf.sum(tf.mul(tf.abs(tf.sub(rs, rt)), confidence));
  return tf.div(tf.add(heat, tf.mul(boxes, 0.1)), Math.max(1, objects)) as tf.Scalar;
}
