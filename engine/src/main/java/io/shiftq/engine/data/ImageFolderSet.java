package io.shiftq.engine.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The images of one split of an image folder, decoded from their files when a batch asks for them and transformed
 * ({@link ImageTransform}); nothing but the file names and labels is held, so memory does not grow with the folder.
 *
 * @param root the folder ({@code data.path}), named in errors
 * @param files the image files, in index order
 * @param labels the class of each file
 * @param channels 1 when the folder's first image is grey, else 3
 * @param transform what is done to each decoded image
 * @param batchPrefetch the workers that decode batches ahead
 */
public record ImageFolderSet(
        Path root,
        List<Path> files,
        int[] labels,
        int channels,
        int[] shape,
        ImageTransform transform,
        BatchPrefetch batchPrefetch)
        implements ImageSource {

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return shape[0];
    }

    @Override
    public int width() {
        return shape[1];
    }

    @Override
    public BatchPrefetch prefetch() {
        return batchPrefetch;
    }

    @Override
    public float[] gather(int[] indices, long augmentSeed) {
        int per = channels * shape[0] * shape[1];
        float[] out = new float[indices.length * per];
        for (int i = 0; i < indices.length; i++) {
            Path file = files.get(indices[i]);
            DecodedImage image = decode(file);
            int[] size = transform.outputSize(image.height(), image.width());
            if (size[0] != shape[0] || size[1] != shape[1]) {
                throw new DataException("data.path " + root + ": " + file + " is " + image.width() + "x"
                        + image.height() + ", the others " + shape[1] + "x" + shape[0]
                        + "; set data.resize: [height, width] or data.center_crop to bring them to one size");
            }
            // One generator per image and epoch: the same draws whichever worker decodes the image.
            SplittableRandom rnd = new SplittableRandom(augmentSeed * 0x9E3779B97F4A7C15L + indices[i]);
            transform.apply(image, rnd, out, i * per);
        }
        return out;
    }

    private DecodedImage decode(Path file) {
        try {
            return DecodedImage.read(file, channels);
        } catch (DataException e) {
            throw new DataException(
                    "data.path " + root + ": " + e.getMessage() + " (it could be opened when the folder was listed)",
                    e);
        }
    }

    @Override
    public ImageFolderSet limit(int n) {
        if (n <= 0 || n >= size()) {
            return this;
        }
        return new ImageFolderSet(
                root, files.subList(0, n), Arrays.copyOf(labels, n), channels, shape, transform, batchPrefetch);
    }

    @Override
    public ImageSource forEvaluation() {
        if (!transform.training()) {
            return this;
        }
        ImageTransform evaluation = new ImageTransform(transform.data(), false);
        return new ImageFolderSet(root, files, labels, channels, shape, evaluation, batchPrefetch);
    }
}
