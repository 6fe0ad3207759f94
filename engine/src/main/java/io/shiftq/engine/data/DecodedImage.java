package io.shiftq.engine.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An 8-bit image as PIL holds it after {@code convert("RGB")} (3 channels) or {@code convert("L")} (1 channel): rows of
 * width * channels bytes, channels interleaved.
 *
 * <p>Decoded with the JDK's ImageIO (PNG, and JPEG through its bundled IJG libjpeg): no dependency, PNG bytes are
 * exact, and JPEG differs from PIL's libjpeg-turbo only by IDCT and chroma-upsampling rounding. Modes follow PIL:
 * grey is copied to R, G and B; alpha is dropped without compositing; palette entries are looked up; colour to grey is
 * ITU-R 601-2 luma with PIL's fixed-point rounding. EXIF orientation is not applied, as torchvision's default loader
 * ({@code pil_loader}: {@code Image.open(f).convert("RGB")}) does not apply it either. 16-bit samples keep their high
 * byte. Pixels are read from the raster, not through {@code getRGB}, which would pass grey through a colour
 * conversion.
 *
 * @param pixels the bytes
 * @param channels 1 or 3
 * @param height rows
 * @param width columns
 */
public record DecodedImage(byte[] pixels, int channels, int height, int width) {

    /**
     * Decodes a PNG or JPEG file into the given number of channels (1 or 3); fails naming the file. A truncated JPEG
     * fails too: libjpeg reads a JPEG cut off after its header with only a "premature end" warning, filling the missing
     * rows grey, where PIL refuses it ("image file is truncated"); other libjpeg warnings (extraneous bytes) are
     * tolerated, as PIL tolerates them.
     */
    public static DecodedImage read(Path file, int channels) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DataException(file + " is not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> {
                    if (warning.toLowerCase(Locale.ROOT).contains("premature end")) {
                        warnings.add(warning);
                    }
                });
                reader.setInput(in, true, true);
                BufferedImage img = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new DataException(file + " cannot be decoded: " + warnings.get(0));
                }
                return of(img, channels);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DataException d) {
                throw d;
            }
            throw new DataException(file + " cannot be decoded: " + e.getMessage(), e);
        }
    }

    /** The image in the given number of channels (1 or 3). */
    public static DecodedImage of(BufferedImage img, int channels) {
        return channels == 1 ? grey(img) : rgb(img);
    }

    /** Whether ImageIO decoded the image as grey (with or without alpha), which becomes one channel. */
    public static boolean isGrey(BufferedImage img) {
        return !(img.getColorModel() instanceof IndexColorModel)
                && img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    }

    private static DecodedImage rgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        if (isGrey(img)) {
            byte[] g = grey(img).pixels();
            for (int i = 0; i < g.length; i++) {
                out[3 * i] = g[i];
                out[3 * i + 1] = g[i];
                out[3 * i + 2] = g[i];
            }
        } else if (img.getType() == BufferedImage.TYPE_3BYTE_BGR || img.getType() == BufferedImage.TYPE_4BYTE_ABGR) {
            // The common JPEG and PNG layouts: bytes straight from the raster, no colour management.
            byte[] src = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            int step = img.getType() == BufferedImage.TYPE_3BYTE_BGR ? 3 : 4;
            int off = step - 3;
            for (int i = 0; i < w * h; i++) {
                out[3 * i] = src[i * step + off + 2];
                out[3 * i + 1] = src[i * step + off + 1];
                out[3 * i + 2] = src[i * step + off];
            }
        } else {
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                out[3 * i] = (byte) (argb[i] >> 16);
                out[3 * i + 1] = (byte) (argb[i] >> 8);
                out[3 * i + 2] = (byte) argb[i];
            }
        }
        return new DecodedImage(out, 3, h, w);
    }

    private static DecodedImage grey(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h];
        if (isGrey(img)) {
            int bits = img.getColorModel().getComponentSize(0);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRaster().getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = (byte) (bits > 8 ? row[x] >> (bits - 8) : row[x]);
                }
            }
            return new DecodedImage(out, 1, h, w);
        }
        byte[] rgb = rgb(img).pixels();
        for (int i = 0; i < out.length; i++) {
            // PIL's L24: ITU-R 601-2 luma in 16-bit fixed point, rounded.
            int r = rgb[3 * i] & 0xff;
            int g = rgb[3 * i + 1] & 0xff;
            int b = rgb[3 * i + 2] & 0xff;
            out[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return new DecodedImage(out, 1, h, w);
    }

    /** The rectangle at (top, left) of the given size; parts outside the image are 0, as torchvision pads. */
    public DecodedImage crop(int top, int left, int h, int w) {
        byte[] out = new byte[h * w * channels];
        for (int y = 0; y < h; y++) {
            int sy = y + top;
            if (sy < 0 || sy >= height) {
                continue;
            }
            for (int x = 0; x < w; x++) {
                int sx = x + left;
                if (sx >= 0 && sx < width) {
                    System.arraycopy(pixels, (sy * width + sx) * channels, out, (y * w + x) * channels, channels);
                }
            }
        }
        return new DecodedImage(out, channels, h, w);
    }

    /** Resized as Pillow's bilinear resize does it (see {@link PilResize}); the same size returns this image. */
    public DecodedImage resized(int h, int w) {
        if (h == height && w == width) {
            return this;
        }
        return new DecodedImage(PilResize.resize(pixels, width, height, channels, w, h), channels, h, w);
    }

    /** Mirrored left to right. */
    public DecodedImage flipped() {
        byte[] out = new byte[pixels.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                System.arraycopy(
                        pixels, (y * width + x) * channels, out, (y * width + width - 1 - x) * channels, channels);
            }
        }
        return new DecodedImage(out, channels, height, width);
    }

    /**
     * Writes the image as float32 [C, H, W] at out[offset...]: value / 255 (torchvision's {@code ToTensor}), then
     * (x - mean[c]) / std[c] when mean is not null (its {@code Normalize}), both in float32.
     */
    public void toTensor(float[] out, int offset, float[] mean, float[] std) {
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            int m = mean == null ? -1 : (mean.length == 1 ? 0 : c);
            for (int i = 0; i < plane; i++) {
                float v = (pixels[i * channels + c] & 0xff) / 255f;
                out[offset + c * plane + i] = m < 0 ? v : (v - mean[m]) / std[m];
            }
        }
    }
}
