namespace KosmosG.Models.Diffusion;

/// <summary>Input width of resnet i in a U-Net up block (diffusers' channel bookkeeping, shared by both up-block kinds).</summary>
internal static class UpBlockChannels
{
    public static int ResnetInput(int i, int numLayers, int inChannels, int prevOutputChannels, int outChannels)
    {
        var skip = i == numLayers - 1 ? inChannels : outChannels;
        var hidden = i == 0 ? prevOutputChannels : outChannels;
        return hidden + skip;
    }
}
