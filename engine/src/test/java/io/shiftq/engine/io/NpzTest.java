package io.shiftq.engine.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.model.Models;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npz archives round-trip, with the exact header layout numpy writes. */
class NpzTest {

    @Test
    void weightsRoundTrip(@TempDir Path dir) throws Exception {
        Network net = Models.create("VGGSmall", 10, 1, 28, 28);
        StateDict w = StateDict.initialize(net, 1);
        WeightFiles.save(w, dir.resolve("w.npz"));
        StateDict back = WeightFiles.load(dir.resolve("w.npz"));
        assertThat(back.tensors().keySet())
                .containsExactlyElementsOf(w.tensors().keySet());
        assertThat(back).isEqualTo(w);
        back.checkFits(net);
        // the in-memory archive (what artifact stores get) holds the same bytes as the file
        assertThat(WeightFiles.toBytes(w)).isEqualTo(Files.readAllBytes(dir.resolve("w.npz")));
    }

    @Test
    void integerArraysAndNumpyHeader(@TempDir Path dir) throws Exception {
        Map<String, Npz.Array> m = new LinkedHashMap<>();
        m.put("a", Npz.Array.ofLongs("|i1", new long[] {3}, new long[] {-128, 0, 127}));
        m.put("b", Npz.Array.ofLongs("<i4", new long[] {2, 1}, new long[] {-70000, 70000}));
        Npz.write(dir.resolve("x.npz"), m);
        Map<String, Npz.Array> back = Npz.read(dir.resolve("x.npz"));
        assertThat(back.get("a").longs()).containsExactly(-128, 0, 127);
        assertThat(back.get("b").shape()).containsExactly(2, 1);
        assertThat(back.get("b").longs()).containsExactly(-70000, 70000);
        byte[] npy = Npz.npy(m.get("a"));
        // magic + version + header length, header padded so the data starts at a multiple of 64
        assertThat((npy.length - 3) % 64).isZero();
        int headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
        assertThat(10 + headerLength).isEqualTo(npy.length - 3);
        assertThat(new String(npy, 10, headerLength, StandardCharsets.US_ASCII))
                .startsWith("{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }");
    }
}
