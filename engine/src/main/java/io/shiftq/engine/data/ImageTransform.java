package io.shiftq.engine.data;

import io.shiftq.schema.config.DataConfig;
import java.util.List;
import java.util.SplittableRandom;

/**
 * torchvision's transforms on one decoded image, by name and meaning. Evaluation (also calibration and the integer
 * check): {@code Resize(resize)} then {@code CenterCrop(center_crop)}. Training: {@code RandomResizedCrop(size)} then
 * {@code RandomHorizontalFlip()} when {@code random_resized_crop} is set, else the evaluation resize and crop with the
 * optional flip. Then {@code ToTensor()} and {@code Normalize(mean, std)}. The random draws follow torchvision's
 * {@code get_params} with Java's {@link SplittableRandom} (so the crops are torchvision's distribution, not its
 * torch-generator sequence), seeded per image so a run repeats whatever thread decodes which image.
 *
 * @param data the data section: resize, crops, flip, normalization
 * @param training whether this is the training transform
 */
public record ImageTransform(DataConfig data, boolean training) {
    private static final double MIN_SCALE = 0.08;
    private static final double MAX_SCALE = 1.0;
    private static final double MIN_RATIO = 3.0 / 4.0;
    private static final double MAX_RATIO = 4.0 / 3.0;
    private static final int CROP_ATTEMPTS = 10;

    /** A crop rectangle and whether to mirror it: the parameters one training image draws. */
    public record Draw(int top, int left, int height, int width, boolean flip) {}

    private boolean randomCrop() {
        return training && data.randomResizedCrop() != null;
    }

    private boolean flips() {
        return training && data.horizontalFlip();
    }

    /** Whether an image's pixels depend on the seed. */
    public boolean random() {
        return randomCrop() || flips();
    }

    /** [height, width] of the output for an input of the given size. */
    public int[] outputSize(int height, int width) {
        if (randomCrop()) {
            return new int[] {data.randomResizedCrop(), data.randomResizedCrop()};
        } else if (data.centerCrop() != null) {
            return new int[] {data.centerCrop(), data.centerCrop()};
        }
        int[] resized = data.resizeTo(height, width);
        return resized == null ? new int[] {height, width} : resized;
    }

    /**
     * Whether every input size gives the same output size, so that images of mixed sizes can share a batch: true with a
     * crop or a [height, width] resize.
     */
    public boolean fixedOutput() {
        return randomCrop() || data.centerCrop() != null || data.fixedResize();
    }

    /** The transformed image written as float32 [C, H, W] into out at offset. */
    public void apply(DecodedImage image, SplittableRandom rnd, float[] out, int offset) {
        List<Double> mean = data.normalize() == null ? null : data.normalize().mean();
        List<Double> std = data.normalize() == null ? null : data.normalize().std();
        transform(image, rnd).toTensor(out, offset, floats(mean), floats(std));
    }

    /** The transformed image before {@code ToTensor}: still 8-bit, as PIL holds it. */
    public DecodedImage transform(DecodedImage image, SplittableRandom rnd) {
        if (randomCrop()) {
            Draw d = draw(image.height(), image.width(), rnd);
            return apply(image, d);
        }
        DecodedImage out = image;
        int[] resized = data.resizeTo(image.height(), image.width());
        if (resized != null) {
            out = out.resized(resized[0], resized[1]);
        }
        if (data.centerCrop() != null) {
            int c = data.centerCrop();
            // torchvision: int(round((h - c) / 2.0)), and Python's round() is half to even, as rint.
            out = out.crop((int) Math.rint((out.height() - c) / 2.0), (int) Math.rint((out.width() - c) / 2.0), c, c);
        }
        return flips() && rnd.nextDouble() < 0.5 ? out.flipped() : out;
    }

    /** RandomResizedCrop's crop and the flip applied to an image: crop, resize to the output size, then mirror. */
    public DecodedImage apply(DecodedImage image, Draw d) {
        int s = data.randomResizedCrop();
        DecodedImage out = image.crop(d.top(), d.left(), d.height(), d.width()).resized(s, s);
        return d.flip() ? out.flipped() : out;
    }

    /**
     * torchvision's {@code RandomResizedCrop.get_params} (scale 0.08 to 1, aspect ratio 3/4 to 4/3 drawn on a log
     * scale, ten attempts, then the central crop of the nearest allowed ratio), and the flip with probability 0.5.
     */
    public Draw draw(int height, int width, SplittableRandom rnd) {
        double area = (double) height * width;
        double logMin = Math.log(MIN_RATIO);
        double logMax = Math.log(MAX_RATIO);
        for (int attempt = 0; attempt < CROP_ATTEMPTS; attempt++) {
            double target = area * (MIN_SCALE + (MAX_SCALE - MIN_SCALE) * rnd.nextDouble());
            double ratio = Math.exp(logMin + (logMax - logMin) * rnd.nextDouble());
            int w = (int) Math.rint(Math.sqrt(target * ratio));
            int h = (int) Math.rint(Math.sqrt(target / ratio));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = rnd.nextInt(height - h + 1);
                int left = rnd.nextInt(width - w + 1);
                return new Draw(top, left, h, w, flips() && rnd.nextDouble() < 0.5);
            }
        }
        double in = (double) width / height;
        int w = width;
        int h = height;
        if (in < MIN_RATIO) {
            h = (int) Math.rint(w / MIN_RATIO);
        } else if (in > MAX_RATIO) {
            w = (int) Math.rint(h * MAX_RATIO);
        }
        return new Draw((height - h) / 2, (width - w) / 2, h, w, flips() && rnd.nextDouble() < 0.5);
    }

    private static float[] floats(List<Double> v) {
        if (v == null) {
            return null;
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).floatValue();
        }
        return out;
    }
}
