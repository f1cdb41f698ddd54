using KosmosG.Imaging;

namespace KosmosG.ToyWorld;

/// <summary>A 4-connected group of pixels: size, centroid of the pixel centres, bounding box.</summary>
public sealed record ToyPixelGroup(int Pixels, double CentroidX, double CentroidY, int BoxWidth, int BoxHeight)
{
    public static readonly ToyPixelGroup Empty = new(0, double.NaN, double.NaN, 0, 0);

    /// <summary>Group pixels / bounding-box area (0 for an empty group).</summary>
    public double FillRatio => Pixels == 0 ? 0 : (double)Pixels / (BoxWidth * BoxHeight);

    /// <summary>
    /// The largest 4-connected group of pixels within Euclidean RGB distance <paramref name="maxDistance"/> of
    /// <paramref name="color"/> (the first found in raster order on a tie).
    /// </summary>
    public static ToyPixelGroup Largest(RgbImage image, ToyColor color, double maxDistance)
    {
        int w = image.Width, h = image.Height;
        var p = image.Pixels;
        var near = new bool[w * h];
        double limit = maxDistance * maxDistance;
        for (int i = 0; i < near.Length; i++)
            near[i] = color.SquaredDistance(p[3 * i], p[3 * i + 1], p[3 * i + 2]) <= limit;

        var best = Empty;
        var stack = new Stack<int>();
        for (int start = 0; start < near.Length; start++)
        {
            if (!near[start]) continue;
            near[start] = false;
            stack.Push(start);
            long n = 0, sumX = 0, sumY = 0;
            int minX = w, maxX = -1, minY = h, maxY = -1;
            while (stack.Count > 0)
            {
                int i = stack.Pop(), x = i % w, y = i / w;
                n++; sumX += x; sumY += y;
                if (x < minX) minX = x;
                if (x > maxX) maxX = x;
                if (y < minY) minY = y;
                if (y > maxY) maxY = y;
                if (x > 0 && near[i - 1]) { near[i - 1] = false; stack.Push(i - 1); }
                if (x < w - 1 && near[i + 1]) { near[i + 1] = false; stack.Push(i + 1); }
                if (y > 0 && near[i - w]) { near[i - w] = false; stack.Push(i - w); }
                if (y < h - 1 && near[i + w]) { near[i + w] = false; stack.Push(i + w); }
            }
            if (n > best.Pixels)
                best = new ToyPixelGroup((int)n, (double)sumX / n + 0.5, (double)sumY / n + 0.5, maxX - minX + 1, maxY - minY + 1);
        }
        return best;
    }
}
