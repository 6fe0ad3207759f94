package io.shiftq.engine.io;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.LayerVisitor;
import io.shiftq.engine.model.Network;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A DJL block built node by node like a {@link Network}, the way a DJL user writes the same model:
 * one top {@link SequentialBlock}; each residual {@link Layer.Add} a {@link ParallelBlock} that sums
 * a {@link SequentialBlock} per branch, with {@link Blocks#identityBlock()} for an identity shortcut.
 * A {@code .params} file stores parameters in this tree's order and no layer names, so the tree's
 * shape is the file format.
 *
 * @param block the uninitialized block
 * @param parameters the block's parameters by PyTorch {@code state_dict} name, in the file's order
 */
record DjlMirror(Block block, Map<String, Parameter> parameters) {

    /** DJL parameter name -> PyTorch suffix (BatchNorm's affine is gamma/beta in DJL, weight/bias in PyTorch). */
    private static final Map<String, String> TORCH_SUFFIX = Map.of(
            "weight",
            "weight",
            "bias",
            "bias",
            "gamma",
            "weight",
            "beta",
            "bias",
            "runningMean",
            "running_mean",
            "runningVar",
            "running_var");

    /** Builds the mirror; fails for graphs that are not chains of residual blocks. */
    static DjlMirror of(Network network) {
        Builder b = new Builder(network);
        SequentialBlock top = new SequentialBlock();
        b.append(top, Network.INPUT, network.nodes().size() - 1);
        b.checkEveryNodeUsed();
        Map<String, Parameter> ordered = new LinkedHashMap<>();
        top.getParameters().values().forEach(p -> ordered.put(b.torchNames.get(p), p));
        if (!ordered.keySet().equals(network.parameterShapes().keySet())) {
            throw new IllegalStateException("DJL mirror of " + network.name() + " has parameters " + ordered.keySet()
                    + ", the network " + network.parameterShapes().keySet());
        }
        return new DjlMirror(top, ordered);
    }

    /** Walks the network backwards from its output, so each branch is built from its fork. */
    private static final class Builder {
        private final Network network;
        private final Set<Integer> used = new HashSet<>();
        private final Map<Parameter, String> torchNames = new IdentityHashMap<>();

        Builder(Network network) {
            this.network = network;
        }

        /** Appends to seq the blocks that compute node {@code to} from the output of node {@code from}. */
        void append(SequentialBlock seq, int from, int to) {
            if (to == from) {
                return;
            }
            if (to == Network.INPUT || !used.add(to)) {
                throw unsupported("node " + to + " is not reached from node " + from + " by exactly one path");
            }
            Network.Node node = network.nodes().get(to);
            if (node.layer().merge().orElse(null) == Layer.Merge.SUM) {
                int a = node.inputs().get(0);
                int b = node.inputs().get(1);
                int fork = fork(a, b);
                append(seq, from, fork);
                seq.add(new ParallelBlock(DjlMirror::sum, List.of(branch(fork, a), branch(fork, b))));
            } else {
                append(seq, from, node.inputs().get(0));
                seq.add(leaf(node.layer()));
            }
        }

        private Block branch(int fork, int end) {
            if (fork == end) {
                return Blocks.identityBlock();
            }
            SequentialBlock seq = new SequentialBlock();
            append(seq, fork, end);
            return seq;
        }

        /** The latest node both inputs of an Add depend on: where the residual branches split. */
        private int fork(int a, int b) {
            Set<Integer> common = ancestors(a);
            common.retainAll(ancestors(b));
            return common.stream().mapToInt(Integer::intValue).max().orElseThrow();
        }

        private Set<Integer> ancestors(int node) {
            Set<Integer> out = new HashSet<>();
            List<Integer> todo = new ArrayList<>(List.of(node));
            while (!todo.isEmpty()) {
                int n = todo.remove(todo.size() - 1);
                if (out.add(n) && n != Network.INPUT) {
                    todo.addAll(network.nodes().get(n).inputs());
                }
            }
            return out;
        }

        private Block leaf(Layer layer) {
            Block block = djlBlock(layer);
            block.getDirectParameters()
                    .forEach(p -> torchNames.put(p.getValue(), layer.name() + "." + TORCH_SUFFIX.get(p.getKey())));
            return block;
        }

        void checkEveryNodeUsed() {
            if (used.size() != network.nodes().size()) {
                throw unsupported(
                        "only " + used.size() + " of " + network.nodes().size() + " nodes lead to the output");
            }
        }

        private IllegalArgumentException unsupported(String why) {
            return new IllegalArgumentException(network.name() + " has no DJL block mirror: " + why);
        }
    }

    /** The DJL block for one non-residual layer, configured as the layer runs in {@code LoadedNetwork}. */
    private static Block djlBlock(Layer layer) {
        return layer.accept(new LeafBlocks());
    }

    /** The built-in nets' layer types as DJL blocks; the types only ONNX models hold have none. */
    private static final class LeafBlocks extends LayerVisitor.Partial<Block> {
        @Override
        public Block conv2d(Layer.Conv2d c) {
            return Conv2d.builder()
                    .setKernelShape(new Shape(c.kernel(), c.kernel()))
                    .setFilters(c.outChannels())
                    .optStride(new Shape(c.stride(), c.stride()))
                    .optPadding(new Shape(c.padding(), c.padding()))
                    .optBias(c.bias())
                    .build();
        }

        @Override
        public Block batchNorm2d(Layer.BatchNorm2d n) {
            // Momentum as LoadedNetwork passes it: the PyTorch engine hands it to torch unchanged.
            return BatchNorm.builder()
                    .optEpsilon(n.eps())
                    .optMomentum(n.momentum())
                    .build();
        }

        @Override
        public Block linear(Layer.Linear l) {
            return Linear.builder().setUnits(l.outFeatures()).optBias(l.bias()).build();
        }

        @Override
        public Block maxPool2d(Layer.MaxPool2d p) {
            return Pool.maxPool2dBlock(new Shape(p.kernel(), p.kernel()), new Shape(p.stride(), p.stride()));
        }

        @Override
        public Block dropout(Layer.Dropout d) {
            return Dropout.builder().optRate(d.p()).build();
        }

        @Override
        public Block relu(Layer.ReLU l) {
            return Activation.reluBlock();
        }

        @Override
        public Block flatten(Layer.Flatten l) {
            return Blocks.batchFlattenBlock();
        }

        @Override
        protected RuntimeException refuse(Layer layer) {
            return new IllegalStateException("no DJL block for " + layer);
        }
    }

    private static NDList sum(List<NDList> branches) {
        return new NDList(branches.get(0).singletonOrThrow().add(branches.get(1).singletonOrThrow()));
    }
}
